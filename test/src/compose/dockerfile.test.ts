/**
 * Lint-level checks of the Dockerfile that need no Docker: its stages, what each COPY takes from
 * the build context, and that what the images run exists once the workspace is built.
 * image-build.e2e.test.ts replays the build stage itself.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { contextFiles, contextFilter, REPO } from "./build-context.js";
import {
  DockerfileError,
  deployedPackages,
  execForm,
  imageLayout,
  parseDockerfile,
} from "./dockerfile.js";

const stages = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const PACKAGES: Record<string, string> = {
  "@kes/cli": "packages/cli",
  "@kes/ciphertrust-sim": "packages/ciphertrust-sim",
};

describe("the Dockerfile", () => {
  it("builds in one stage and runs from two, kes being the default target", () => {
    assert.deepEqual(
      stages.map((s) => [s.name, s.base]),
      [
        ["build", "node:20-bookworm-slim"],
        ["ciphertrust-sim", "node:20-alpine"],
        ["kes", "node:20-alpine"],
      ],
    );
  });

  it("installs the repository's pinned pnpm", () => {
    const pinned = (
      JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
        packageManager: string;
      }
    ).packageManager;
    const build = stages[0]?.instructions ?? [];
    assert.ok(
      build.some((i) => i.keyword === "RUN" && i.args === `npm install --global ${pinned}`),
      `the build stage installs ${pinned}`,
    );
  });

  it("every COPY from the build context names files that the context holds", () => {
    const files = contextFiles();
    const inContext = (source: string) =>
      source === "."
        ? files.length > 0
        : files.some((f) => f === source || f.startsWith(`${source}/`));
    let copies = 0;
    for (const stage of stages) {
      for (const ins of stage.instructions) {
        if (ins.keyword !== "COPY" || ins.args.startsWith("--from=")) continue;
        const sources = ins.args
          .split(/\s+/)
          .filter((w) => !w.startsWith("--"))
          .slice(0, -1);
        for (const source of sources) {
          copies++;
          assert.ok(inContext(source.replace(/^\.\//, "")), `Dockerfile:${ins.line}: ${source}`);
        }
      }
    }
    assert.ok(copies >= 4, "the lockfile, workspace file, .npmrc and the sources");
  });

  it("keeps dependencies, builds, git and results out of the context", () => {
    const ignored = contextFilter();
    for (const path of [
      "node_modules/.pnpm/x",
      "packages/cli/node_modules/commander/index.js",
      "packages/cli/dist/main.js",
      "test/tsconfig.tsbuildinfo",
      ".git/HEAD",
      "bench/results/run.json",
      ".tmp/pnpm/x",
    ]) {
      assert.equal(ignored(path), true, `${path} is not sent to the builder`);
    }
    for (const path of [
      "pnpm-lock.yaml",
      "packages/cli/bin/kes.js",
      "proto/kes/keystore/v1/keystore.proto",
    ]) {
      assert.equal(ignored(path), false, `${path} is needed by the build`);
    }
    assert.ok(!contextFiles().some((f) => /(^|\/)(node_modules|dist)\//.test(f)));
  });

  it("deploys @kes/cli and @kes/ciphertrust-sim, each into its image's /app", () => {
    assert.deepEqual(
      [...deployedPackages(stages)],
      [
        ["/deploy/kes", "@kes/cli"],
        ["/deploy/ciphertrust-sim", "@kes/ciphertrust-sim"],
      ],
    );
    assert.deepEqual([...imageLayout(stages, "kes").packages], [["/app", "@kes/cli"]]);
    assert.deepEqual(
      [...imageLayout(stages, "ciphertrust-sim").packages],
      [["/app", "@kes/ciphertrust-sim"]],
    );
  });

  it("runs as the non-root node user, with the entrypoint and PATH commands inside /app", () => {
    const expected = {
      kes: { entrypoint: "/app/bin/kes.js", links: ["kes"] },
      "ciphertrust-sim": {
        entrypoint: "/app/bin/ciphertrust-sim.js",
        links: ["ciphertrust-sim", "ksctl"],
      },
    };
    for (const [target, want] of Object.entries(expected)) {
      const image = imageLayout(stages, target);
      assert.equal(image.user, "node", target);
      assert.deepEqual(image.entrypoint, ["node", want.entrypoint], target);
      assert.deepEqual(
        [...image.links.keys()].map((l) => l.replace("/usr/local/bin/", "")),
        want.links,
        target,
      );
      const pkg = PACKAGES[image.packages.get("/app") as string] as string;
      // After `pnpm build`: the files exist and what they import is compiled.
      for (const path of [want.entrypoint, ...image.links.values()]) {
        const file = join(REPO, pkg, path.replace(/^\/app\//, ""));
        assert.ok(existsSync(file), `${target}: ${path} (${file})`);
        const imported = /import .* from "(\.\.\/dist\/[^"]+)"/.exec(
          readFileSync(file, "utf8"),
        )?.[1];
        assert.ok(
          imported !== undefined && existsSync(join(file, "..", imported)),
          `${file}: ${imported}`,
        );
      }
    }
  });
});

describe("the Dockerfile reader", () => {
  it("joins continuation lines, drops comments, names stages and reads the exec form", () => {
    const parsed = parseDockerfile(
      [
        "# comment",
        "FROM node:20 AS one",
        "RUN a \\",
        "  # inside",
        "  && b",
        'ENV A=1 B="two words"',
        "FROM one",
        'ENTRYPOINT ["node", "/app/x.js"]',
      ].join("\n"),
    );
    assert.deepEqual(
      parsed.map((s) => s.name),
      ["one", "1"],
    );
    assert.equal(parsed[0]?.instructions[0]?.args, "a && b");
    assert.deepEqual(imageLayout(parsed, "one").env, { A: "1", B: "two words" });
    assert.deepEqual(imageLayout(parsed, "1").entrypoint, ["node", "/app/x.js"]);
  });

  it("refuses what it cannot read, naming the line", () => {
    assert.throws(() => parseDockerfile("RUN x"), /Dockerfile:1: RUN before any FROM/);
    const shellForm = parseDockerfile("FROM a\nENTRYPOINT node x.js")[0]?.instructions[0];
    assert.ok(shellForm !== undefined);
    assert.throws(() => execForm(shellForm), DockerfileError);
    assert.throws(() => imageLayout(parseDockerfile("FROM a AS b"), "c"), /no stage 'c'/);
  });
});
