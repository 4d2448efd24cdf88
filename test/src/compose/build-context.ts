/**
 * The Docker build context as `docker build .` sends it: the repository's files less what
 * .dockerignore excludes (Docker's own matching rules, via @balena/dockerignore).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import dockerignore from "@balena/dockerignore";

/** The repository root (this file is test/dist/compose/build-context.js). */
export const REPO = resolve(import.meta.dirname, "../../..");

/** Whether .dockerignore keeps `path` (relative to the repository, / separated) out. */
export function contextFilter(root = REPO): (path: string) => boolean {
  const rules = readFileSync(join(root, ".dockerignore"), "utf8");
  // The d.ts declares an ES default export of a CommonJS module; at run time both spellings work.
  const ig = dockerignore.default({ ignorecase: false }).add(rules);
  return (path) => ig.ignores(path);
}

/** Every file of the build context, relative to `root`. */
export function contextFiles(root = REPO): string[] {
  const ignored = contextFilter(root);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (ignored(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else out.push(rel);
    }
  };
  walk(root);
  return out;
}
