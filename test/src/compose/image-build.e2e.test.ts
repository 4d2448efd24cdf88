/**
 * The Dockerfile's build stage, replayed without Docker: the build context as .dockerignore
 * leaves it, the stage's COPY and RUN steps in order in a temp directory (its absolute paths
 * moved there), then what the runtime stages take from it: each image's entrypoint and PATH
 * commands run from the deployed trees, and the compose stack runs on them. Only the global
 * pnpm install is not replayed (it is checked to be the version this machine runs).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunResult, runKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";
import { contextFiles, REPO } from "./build-context.js";
import { loadCompose } from "./compose-file.js";
import { deployedPackages, imageLayout, parseDockerfile } from "./dockerfile.js";
import { ComposeStack, downAll } from "./harness.js";
import { rewrite } from "./rewrite.js";

const stages = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const build = stages.find((s) => s.name === "build");
/** What a build step may take at most on a busy two-core machine. */
const STEP_MS = 8 * 60_000;

function sh(command: string, cwd: string): RunResult {
  // A clean environment, as in a build container; HOME keeps pnpm's store (no downloads).
  const result = spawnSync("/bin/sh", ["-c", command], {
    cwd,
    encoding: "utf8",
    timeout: STEP_MS,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: process.env["HOME"] ?? "/root",
      CI: "true",
    },
  });
  return {
    code: result.status,
    signal: result.signal,
    stdout: result.stdout ?? "",
    stderr: `${result.stderr ?? ""}${result.error === undefined ? "" : String(result.error)}`,
  };
}

/** Every file under `dir`, relative, not following symbolic links. */
function walk(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() && !e.isSymbolicLink()
      ? walk(join(dir, e.name), `${prefix}${e.name}/`)
      : [`${prefix}${e.name}`],
  );
}

describe("the Dockerfile's build, replayed in a temp directory", () => {
  let work: string;
  let rootfs: string;
  /** Container path -> its place under rootfs, for the build stage's absolute paths. */
  let view: { ip: string; paths: Map<string, string> };
  const deployed = deployedPackages(stages);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), "kes-image-build-"));
    rootfs = join(work, "rootfs");
    const roots = new Set<string>();
    for (const ins of build?.instructions ?? []) {
      if (ins.keyword === "WORKDIR") roots.add(ins.args);
    }
    for (const dir of deployed.keys()) roots.add(`/${dir.split("/")[1]}`);
    view = { ip: "127.0.0.1", paths: new Map([...roots].map((r) => [r, join(rootfs, r)])) };
  });
  after(async () => {
    await downAll();
    await rm(work, { recursive: true, force: true });
  });

  it("runs the build stage's COPY and RUN steps in order", async () => {
    assert.ok(build !== undefined, "a build stage");
    const context = contextFiles();
    let workdir = "/";
    for (const ins of build.instructions) {
      const where = `Dockerfile:${ins.line}: ${ins.keyword} ${ins.args}`;
      if (ins.keyword === "WORKDIR") {
        workdir = ins.args;
        await mkdir(rewrite(workdir, view), { recursive: true });
      } else if (ins.keyword === "COPY") {
        const words = ins.args.split(/\s+/);
        const dest = rewrite(join(workdir, words.at(-1) as string), view);
        for (const source of words.slice(0, -1)) {
          const files = source === "." ? context : context.filter((f) => f === source);
          assert.ok(files.length > 0, `${where}: ${source} is not in the context`);
          for (const f of files) {
            await mkdir(dirname(join(dest, f)), { recursive: true });
            await cp(join(REPO, f), join(dest, f), { preserveTimestamps: true });
          }
        }
      } else if (ins.keyword === "RUN") {
        const pin = /^npm install --global pnpm@(\S+)$/.exec(ins.args);
        if (pin !== null) {
          assert.equal(sh("pnpm --version", work).stdout.trim(), pin[1], `${where}: local pnpm`);
          continue;
        }
        const result = sh(rewrite(ins.args, view), rewrite(workdir, view));
        assert.equal(result.code, 0, `${where}\n${result.stdout}\n${result.stderr}`);
      } else {
        assert.fail(`${where}: not replayed here`);
      }
    }
    assert.ok(
      !context.some((f) => f.includes("node_modules/") || f.startsWith(".git/")),
      "the context holds no dependencies and no git",
    );
  });

  it("deploys production dependencies and compiled JavaScript only", () => {
    for (const dir of deployed.keys()) {
      const tree = rewrite(dir, view);
      const modules = readdirSync(join(tree, "node_modules", ".pnpm"));
      for (const dev of [
        "typescript@",
        "@biomejs+biome@",
        "@bufbuild+buf@",
        "@bufbuild+protoc-gen-es@",
      ]) {
        assert.ok(!modules.some((m) => m.startsWith(dev)), `${dir}: ${dev} is a dev dependency`);
      }
      // Our own packages: the deployed one and the workspace packages it depends on.
      const ours = [
        tree,
        ...modules
          .filter((m) => m.startsWith("@kes+"))
          .map((m) => {
            const scoped = join(tree, "node_modules", ".pnpm", m, "node_modules", "@kes");
            return join(scoped, readdirSync(scoped)[0] as string);
          }),
      ];
      for (const pkg of ours) {
        const files = walk(pkg).filter((f) => !f.startsWith("node_modules/"));
        const extra = files.filter(
          (f) => /\.ts$|\.tsbuildinfo$|\.test\.js(\.map)?$/.test(f) || f.startsWith("src/"),
        );
        assert.deepEqual(extra, [], `${pkg}: sources, types or tests`);
        assert.ok(
          files.some((f) => f.startsWith("dist/") && f.endsWith(".js")),
          `${pkg}: dist`,
        );
      }
    }
  });

  it("each image's entrypoint and PATH commands run from its deployed tree", () => {
    for (const target of ["kes", "ciphertrust-sim"]) {
      const image = imageLayout(stages, target);
      const app = [...image.packages.keys()][0] as string;
      const copy = stages
        .find((s) => s.name === target)
        ?.instructions.find((i) => i.keyword === "COPY" && i.args.endsWith(` ${app}`));
      const from = copy?.args.split(/\s+/).at(-2) as string;
      const local = { ip: "127.0.0.1", paths: new Map([[app, rewrite(from, view)]]) };
      const commands = [image.entrypoint, ...[...image.links.values()].map((l) => ["node", l])];
      for (const argv of commands) {
        const [node, script] = argv.map((a) => rewrite(a, local));
        assert.equal(node, "node");
        assert.ok(existsSync(script as string), `${target}: ${script}`);
        assert.ok((statSync(script as string).mode & 0o111) !== 0, `${script} is executable`);
        const help = sh(`node ${script} --help`, work);
        assert.equal(help.code, 0, `${target}: ${argv.join(" ")} --help\n${help.stderr}`);
        assert.match(help.stdout, /^Usage: /);
      }
    }
  });

  it("the compose stack runs on the deployed trees, not the workspace", async () => {
    const packageDirs: Record<string, string> = {};
    for (const [dir, pkg] of deployed) packageDirs[pkg] = rewrite(dir, view);
    const stack = await ComposeStack.up(loadCompose(join(REPO, "docker-compose.yml")), {
      packageDirs,
    });
    try {
      const certs = stack.volume("certs");
      const endpoint = `https://127.0.0.1:${stack.hostPort(7373)}`;
      await waitUntilAnswers(endpoint, {
        certPem: readFileSync(join(certs, "client.cert"), "utf8"),
        keyPem: readFileSync(join(certs, "client.key"), "utf8"),
      });
      const created = await runKes(["key", "create", "-k", "my-app-key"], {
        env: {
          KES_SERVER: endpoint,
          KES_CLIENT_CERT: join(certs, "client.cert"),
          KES_CLIENT_KEY: join(certs, "client.key"),
        },
      });
      assert.equal(created.code, 0, created.stderr);
    } finally {
      const ends = await stack.down();
      for (const [name, end] of ends) assert.deepEqual(end, { code: 0, signal: null }, name);
    }
  });
});
