import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../main.js";
import { fakeIo } from "../testing/fake-io.js";
import { kes, kesFails } from "../testing/kes-harness.js";
import * as completion from "./completion.js";
import { bashScript } from "./completion-bash.js";
import { fishScript } from "./completion-fish.js";
import { completionTree } from "./completion-tree.js";
import { zshScript } from "./completion-zsh.js";
import * as key from "./key.js";

const has = (shell: string) => spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;

let dir: string;
const program = await buildProgram();
const tree = completionTree(program);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "kes-completion-"));
  await writeFile(join(dir, "kes.bash"), bashScript(tree));
  await writeFile(join(dir, "kes.zsh"), zshScript(tree));
  await writeFile(join(dir, "kes.fish"), fishScript(tree));
  await writeFile(join(dir, "app.cert"), "");
});

after(() => rm(dir, { recursive: true, force: true }));

/** Runs a shell script in the temp dir; fails the test on a non-zero exit. */
function shell(cmd: string, args: string[], script: string): string {
  const r = spawnSync(cmd, [...args, script], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, `${cmd} failed: ${r.stderr}`);
  return r.stdout;
}

/** What bash completes for the words (the last one is being typed). */
function bash(words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const out = shell(
    "bash",
    ["-c"],
    `source kes.bash; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _kes; printf '%s\\n' "\${COMPREPLY[@]}"`,
  );
  return out.split("\n").filter((l) => l !== "");
}

describe("completion tree", () => {
  it("has every command, alias and option of the program (nothing can drift)", () => {
    const walk = (cmd: Command, path: string) => {
      const node = tree.find((n) => n.path === path);
      assert.ok(node, `no node for '${path}'`);
      for (const sub of cmd.commands) {
        for (const name of [sub.name(), ...sub.aliases()]) {
          assert.ok(
            node.subcommands.some((c) => c.name === name),
            `'${path}' lacks ${name}`,
          );
          walk(sub, path === "" ? name : `${path} ${name}`);
        }
      }
      for (const option of cmd.options) {
        assert.ok(
          node.options.some((o) => o.flags.includes(option.long ?? "")),
          `'${path}' lacks ${option.long}`,
        );
      }
    };
    walk(program, "");
    for (const path of [
      "status",
      "log",
      "metric",
      "ls",
      "policy show",
      "identity info",
      "key dek",
      "key derive",
    ]) {
      assert.ok(
        tree.some((n) => n.path === path),
        path,
      );
    }
  });
});

describe("kes completion bash", () => {
  it("completes commands, subcommands and options along the path", () => {
    assert.ok(bash(["kes", ""]).includes("status"));
    assert.deepEqual(bash(["kes", "me"]), ["metric"]);
    assert.deepEqual(bash(["kes", "policy", ""]), ["info", "show", "ls", "help"]);
    assert.deepEqual(bash(["kes", "key", "d"]), ["decrypt", "dek", "derive"]);
    assert.deepEqual(bash(["kes", "status", "--"]), [
      "--insecure",
      "--server",
      "--json",
      "--short",
      "--api",
      "--help",
    ]);
    assert.deepEqual(bash(["kes", "log", "--e"]), ["--error"]);
  });

  it("skips option values when finding the path, and completes fixed values and files", () => {
    assert.deepEqual(bash(["kes", "-h", "key", "ls", "-k", "--j"]), ["--json"]);
    assert.deepEqual(bash(["kes", "key", "ls", "--server", "https://x", "--j"]), ["--json"]);
    assert.deepEqual(bash(["kes", "key", "ls", "--server=https://x", "--j"]), ["--json"]);
    assert.deepEqual(bash(["kes", "server", "--auth", ""]), ["on", "off"]);
    assert.deepEqual(bash(["kes", "identity", "of", "app"]), ["app.cert"]);
    assert.deepEqual(bash(["kes", "server", "--config", "app."]), ["app.cert"]);
  });
});

/** Stubs zsh's completion builtins (printing what they get) and completes a few lines. */
const ZSH_DRIVER = `compdef() { print "compdef $*" }
source ./kes.zsh
_describe() { print -l -- "\${(@P)\${@[-1]}}" }
compadd() { print -l -- "\${(@P)\${@[-1]}}" }
_files() { print files }
t() { words=("$@"); CURRENT=\${#words}; PREFIX="\${words[-1]}"; _kes; print -- --- }
t kes po
t kes key ls --server https://x --j
t kes server --auth ''
t kes identity of ''
`;

describe("kes completion zsh", { skip: has("zsh") ? false : "zsh is not installed" }, () => {
  it("is valid zsh and completes with descriptions", () => {
    shell("zsh", ["-n"], "kes.zsh");
    const out = shell("zsh", ["-c"], ZSH_DRIVER);
    const [commands, options, values, files, rest] = out.split(/^---$/m).map((s) => s.trim());
    assert.match(commands ?? "", /^compdef _kes kes\n/);
    assert.match(commands ?? "", /^policy:show the server's policies$/m);
    assert.match(options ?? "", /^--json:print nd-json, one \{"name"\} per line$/m);
    assert.equal(values, "on\noff");
    assert.equal(files, "files");
    assert.equal(rest, "");
  });
});

describe("kes completion fish", { skip: has("fish") ? false : "fish is not installed" }, () => {
  it("is valid fish and completes through `complete -C`", () => {
    shell("fish", ["-n"], "kes.fish");
    const complete = (line: string) =>
      shell("fish", ["-c"], `source kes.fish; complete -C '${line}'`).trim().split("\n");
    assert.deepEqual(complete("kes pol"), ["policy\tshow the server's policies"]);
    assert.deepEqual(complete("kes key ls --server https://x --j"), [
      '--json\tprint nd-json, one {"name"} per line',
    ]);
    assert.deepEqual(
      complete("kes server --auth ").map((l) => l.split("\t")[0]),
      ["off", "on"],
    );
    assert.ok(complete("kes identity of app").some((l) => l.startsWith("app.cert")));
  });
});

describe("kes completion (the command)", () => {
  it("prints the script for the shell asked for, and names the shells it knows", async () => {
    const registers = [key.register, completion.register];
    const io = await kes(registers, ["completion", "bash"], fakeIo({}));
    assert.match(io.out(), /^# bash completion for kes\./);
    assert.match(
      io.out(),
      /^ {4}'key'\) echo 'create import info ls rm encrypt decrypt dek derive help' ;;$/m,
    );
    assert.match(io.out(), /\ncomplete -F _kes kes\n$/);
    await kesFails(
      registers,
      ["completion", "powershell"],
      fakeIo({}),
      "unknown shell 'powershell': expected bash, zsh or fish. See 'kes completion --help'",
    );
  });
});
