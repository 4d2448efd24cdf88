/**
 * How a container's view of the world becomes the host's, in every text the container is given
 * (arguments, environment values, the files of its read-only bind mounts):
 *
 * - paths under a mount target (/certs, /etc/kes, ...) or an image directory (/app) become the
 *   temp directory or package directory standing in for it;
 * - its own addresses (`0.0.0.0:P`, `127.0.0.1:P`, `localhost:P`, `[::]:P`, `[::1]:P`) become
 *   `<its loopback IP>:P`: each container has an IP of its own in 127.0.0.0/8, so ports stay as
 *   the file says and one container's loopback is not another's.
 *
 * Service names (crypto:7002) are left as they are: the container's DNS resolves them
 * (container-net.ts).
 */
import { chmod, copyFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ContainerView {
  /** Container path -> host path. */
  readonly paths: ReadonlyMap<string, string>;
  /** This container's address. */
  readonly ip: string;
}

const OWN_ADDRESS =
  /(?<![\w.-])(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]|\[::1\]):(\d{1,5})(?!\d)/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Rewrites one text for `view`, in one pass (a rewritten path is not rewritten again). */
export function rewrite(text: string, view: ContainerView): string {
  let out = text.replace(OWN_ADDRESS, (_, port: string) => `${view.ip}:${port}`);
  if (view.paths.size > 0) {
    // Longest first, so that a mount inside another mount wins.
    const targets = [...view.paths.keys()].sort((a, b) => b.length - a.length);
    const pattern = new RegExp(
      `(?<![\\w.\\-/])(${targets.map(escapeRegExp).join("|")})(?=$|[^\\w.\\-])`,
      "g",
    );
    out = out.replace(pattern, (target: string) => view.paths.get(target) as string);
  }
  return out;
}

/**
 * Copies a bind-mounted directory (or file) for one container, rewriting its text files.
 * With `readOnly`, its files lose their write bits, as a `:ro` mount refuses writes (directories
 * keep theirs, so that the temp directory can be removed by a user who is not root).
 */
export async function copyMount(
  source: string,
  dest: string,
  view: ContainerView,
  readOnly: boolean,
): Promise<void> {
  const info = await stat(source);
  if (info.isDirectory()) {
    await mkdir(dest, { recursive: true });
    for (const entry of await readdir(source)) {
      await copyMount(join(source, entry), join(dest, entry), view, readOnly);
    }
    return;
  }
  const bytes = await readFile(source);
  if (bytes.includes(0)) await copyFile(source, dest);
  else await writeFile(dest, rewrite(bytes.toString("utf8"), view));
  const mode = info.mode & 0o777;
  await chmod(dest, readOnly ? mode & 0o555 : mode);
}
