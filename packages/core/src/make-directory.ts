import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p` that always ends: the missing directories are created one at a time from the
 * nearest existing one down. Node's own `mkdir(…, { recursive: true })` never returns on some
 * paths (under /proc it loops at 100 % CPU, since the kernel answers ENOENT for a parent that
 * exists); here such a path fails with the error of the directory that cannot be made.
 * Resolves when the directory exists (made now or before); rejects with the fs error otherwise
 * (ENOTDIR when a component is a file).
 */
export async function makeDirectory(path: string, mode: number): Promise<void> {
  const missing: string[] = [];
  let dir = resolve(path);
  for (;;) {
    try {
      const info = await stat(dir);
      if (!info.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), {
          code: "ENOTDIR",
          path: dir,
        });
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      missing.push(dir);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  for (const next of missing.reverse()) {
    try {
      await mkdir(next, { mode });
    } catch (err) {
      // Made meanwhile by someone else: fine if it is a directory.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || !(await stat(next)).isDirectory()) {
        throw err;
      }
    }
  }
}
