#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) under node's test runner.
// Usage: node scripts/test.mjs [dir...]   (default: the whole workspace)
// Files matching *.e2e.test.js are the slow end-to-end tests; KES_TEST_SKIP_E2E=1 skips them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const dirs = process.argv.slice(2);
const roots =
  dirs.length > 0
    ? dirs.map((d) => resolve(d))
    : ["packages", "services", "examples"]
        .flatMap((d) =>
          existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(root, d, p)) : [],
        )
        .concat([join(root, "test"), join(root, "bench")]);

function walk(dir, out) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules") continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (entry.endsWith(".test.js")) out.push(p);
  }
}

const files = [];
for (const r of roots) walk(join(r, "dist"), files);
const selected = process.env.KES_TEST_SKIP_E2E
  ? files.filter((f) => !f.endsWith(".e2e.test.js"))
  : files;
if (selected.length === 0) {
  console.error("no compiled tests found: run `pnpm build` first");
  process.exit(1);
}
const args = ["--enable-source-maps", "--test", "--test-concurrency=2", ...selected];
const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd: root });
process.exit(result.status ?? 1);
