/**
 * The operator commands (`kes status|policy|identity|ls|completion`) as separate processes
 * against a real `kes server` with a config, piped and in a pseudo-terminal.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { killAll, type RunResult, runKes } from "../support/kes-bin.js";
import {
  type ConfigServer,
  hasScript,
  kesInTerminal,
  killTerminals,
  startConfigServer,
} from "./support.js";

function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
  );
  assert.equal(result.stderr, "", what);
  return result;
}

const lines = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A terminal's output without its \r and with the final newline. */
async function onTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const t = kesInTerminal(args, env);
  assert.equal(await t.exit(), 0, t.screen);
  return t.screen.replaceAll("\r\n", "\n");
}

describe("kes status, policy, identity, ls against kes server --config", () => {
  let server: ConfigServer;

  before(async () => {
    server = await startConfigServer();
    const admin = server.client(server.admin);
    for (const name of ["key-b", "key-a", "my-app-key"]) await admin.createKey(name);
  });

  after(async () => {
    await killTerminals();
    await killAll();
    await server?.stop();
  });

  it("kes status: KES's status JSON when piped, with a reachable keystore", async () => {
    const result = ok(await runKes(["status", "-k"], { env: server.env(server.ops) }), "status");
    const [status] = lines(result.stdout);
    assert.equal(status?.["endpoint"], server.endpoint);
    assert.equal(status?.["os"], process.platform);
    assert.equal(typeof status?.["version"], "string");
    assert.ok(
      Number(status?.["uptime"]) >= 0 && Number(status?.["uptime"]) % 1e9 === 0,
      "ns, whole seconds",
    );
    assert.ok(Number(status?.["keystore_latency"]) >= 1);
    assert.equal(status?.["keystore_unreachable"], undefined);
  });

  it("kes status on a terminal: the block, --short and --api", {
    skip: !hasScript() && "no util-linux script",
  }, async () => {
    const env = server.env(server.ops);
    const block = await onTerminal(["status", "-k"], env);
    assert.match(block, new RegExp(`^● ${server.endpoint.replaceAll(".", "\\.")}\n`));
    assert.match(block, /^ {2}Version {5}\S+$/m);
    assert.match(block, /^ {2}Uptime {6}\d+s$/m);
    assert.match(block, /^ {2}Keystore {4}reachable, \d/m);
    const short = await onTerminal(["status", "-k", "-s"], env);
    assert.match(
      short,
      /^● https:\/\/127\.0\.0\.1:\d+ {2}online {2}version \S+ {2}up \d+s {2}latency \S+ {2}keystore reachable/,
    );
    assert.equal(short.trimEnd().split("\n").length, 1);
    const apis = await onTerminal(["status", "-k", "--api"], env);
    assert.match(apis, /^Method +Path +Max body +Timeout +Auth\n/);
    assert.match(apis, /^GET +\/v1\/policy\/list\/ +- +15s +policy$/m);
    assert.match(apis, /^POST +\/v1\/key\/import\/ +1 MiB +15s +policy$/m);
  });

  it("kes policy ls|info|show", async () => {
    const env = server.env(server.admin);
    const ls = ok(await runKes(["policy", "ls", "-k"], { env }), "policy ls");
    assert.deepEqual(
      lines(ls.stdout).map((p) => [p["name"], p["created_by"]]),
      [
        ["my-app", server.admin.identity],
        ["ops", server.admin.identity],
      ],
    );
    const info = ok(await runKes(["policy", "info", "-k", "ops"], { env }), "policy info");
    assert.equal(lines(info.stdout)[0]?.["name"], "ops");
    const show = ok(await runKes(["policy", "show", "-k", "ops"], { env }), "policy show");
    assert.deepEqual(lines(show.stdout)[0]?.["deny"], ["/v1/key/*/*"]);
    const missing = await runKes(["policy", "show", "-k", "nope"], { env });
    assert.deepEqual([missing.code, missing.stderr], [1, "Error: policy does not exist\n"]);
  });

  it("kes policy ls on a terminal: a sorted table", {
    skip: !hasScript() && "no util-linux script",
  }, async () => {
    const table = await onTerminal(["policy", "ls", "-k"], server.env(server.admin));
    const rows = table.trimEnd().split("\n");
    assert.match(rows[0] ?? "", /^Policy +Date +Owner$/);
    assert.deepEqual(
      rows.slice(1).map((r) => r.split(/ {2,}/)[0]),
      ["my-app", "ops"],
    );
    assert.match(rows[1] ?? "", / {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}[0-9a-f]{8}…$/);
  });

  it("kes identity ls|info: the config's identities and the caller's own policy", async () => {
    const env = server.env(server.admin);
    const ls = ok(await runKes(["identity", "ls", "-k"], { env }), "identity ls");
    const expected = [
      [server.app.identity, "my-app"],
      [server.ops.identity, "ops"],
    ].sort((a, b) => ((a[0] ?? "") < (b[0] ?? "") ? -1 : 1));
    assert.deepEqual(
      lines(ls.stdout).map((i) => [i["identity"], i["policy"]]),
      expected,
    );
    const app = ok(
      await runKes(["identity", "info", "-k", server.app.identity], { env }),
      "identity info <id>",
    );
    assert.equal(lines(app.stdout)[0]?.["policy"], "my-app");
    const self = ok(
      await runKes(["identity", "info", "-k"], { env: server.env(server.app) }),
      "self",
    );
    const [me] = lines(self.stdout);
    assert.equal(me?.["identity"], server.app.identity);
    assert.equal(me?.["policy_name"], "my-app");
    assert.deepEqual((me?.["policy"] as { allow?: string[] } | undefined)?.allow, [
      "/v1/key/create/my-app*",
      "/v1/key/generate/my-app*",
      "/v1/key/decrypt/my-app*",
    ]);
    const admin = ok(await runKes(["identity", "info", "-k"], { env }), "admin self");
    assert.equal(lines(admin.stdout)[0]?.["admin"], true);
  });

  it("kes identity ls on a terminal", {
    skip: !hasScript() && "no util-linux script",
  }, async () => {
    const table = await onTerminal(["identity", "ls", "-k"], server.env(server.admin));
    assert.match(table, /^Identity +Policy +Date\n/);
    assert.match(table, new RegExp(`^${server.app.identity} {2}my-app {2}\\d{4}-`, "m"));
    assert.match(table, new RegExp(`^${server.ops.identity} {2}ops {5}\\d{4}-`, "m"));
  });

  it("kes ls: nd-json when piped, a table on a terminal", async () => {
    const env = server.env(server.admin);
    const piped = ok(await runKes(["ls", "-k"], { env }), "ls");
    assert.equal(piped.stdout, '{"name":"key-a"}\n{"name":"key-b"}\n{"name":"my-app-key"}\n');
    const mine = ok(await runKes(["ls", "-k", "key-*"], { env }), "ls key-*");
    assert.equal(mine.stdout, '{"name":"key-a"}\n{"name":"key-b"}\n');
    if (hasScript()) {
      assert.equal(await onTerminal(["ls", "-k"], env), "Key\nkey-a\nkey-b\nmy-app-key\n");
    }
  });

  it("refuses what a policy does not allow, with KES's message", async () => {
    for (const args of [["identity", "ls"], ["status"]]) {
      const result = await runKes([...args, "-k"], { env: server.env(server.app) });
      assert.equal(result.code, 1, args.join(" "));
      assert.equal(
        result.stderr,
        "Error: not authorized: insufficient permissions\n",
        args.join(" "),
      );
      assert.equal(result.stdout, "");
    }
  });
});

describe("kes completion (the real command)", () => {
  it("prints a bash script that completes the operator commands", async () => {
    const result = ok(await runKes(["completion", "bash"]), "completion bash");
    const complete = (words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `eval "$SCRIPT"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _kes; echo "\${COMPREPLY[*]}"`,
        ],
        { env: { ...process.env, SCRIPT: result.stdout }, encoding: "utf8", timeout: 10_000 },
      ).stdout.trim();
    assert.equal(complete(["kes", "pol"]), "policy");
    assert.equal(complete(["kes", "identity", "i"]), "info");
    assert.equal(
      complete(["kes", "log", "--"]),
      "--insecure --server --json --audit --error --help",
    );
  });
});
