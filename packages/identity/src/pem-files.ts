import { randomBytes } from "node:crypto";
import { link, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { errors } from "@kes/core";

export interface PemFiles {
  readonly keyFile: string;
  readonly certFile: string;
}

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

/**
 * Writes a private key (mode 0600) and a certificate (0644). Existing files are refused unless
 * `force`. Each file is written to a temporary file beside it, flushed and then moved into
 * place, so a reader never sees half a file and a failure leaves neither new file behind.
 */
export async function writePemFiles(
  files: PemFiles,
  material: { readonly certPem: string; readonly keyPem: string },
  options: { readonly force?: boolean } = {},
): Promise<void> {
  const keyFile = resolve(files.keyFile);
  const certFile = resolve(files.certFile);
  if (keyFile === certFile) {
    throw errors.invalidArgument(
      `the private key and the certificate cannot be the same file (${files.keyFile})`,
    );
  }
  const force = options.force === true;
  const staged: string[] = [];
  const placed: string[] = [];
  try {
    const keyTemp = await writeTemp(keyFile, material.keyPem, KEY_MODE, files.keyFile);
    staged.push(keyTemp);
    const certTemp = await writeTemp(certFile, material.certPem, CERT_MODE, files.certFile);
    staged.push(certTemp);
    await place(keyTemp, keyFile, files.keyFile, force, placed);
    await place(certTemp, certFile, files.certFile, force, placed);
  } catch (err) {
    // Without force nothing existed before, so removing what we placed restores the old state.
    await Promise.all([...staged, ...(force ? [] : placed)].map((f) => unlink(f).catch(() => {})));
    throw err;
  }
}

async function writeTemp(target: string, text: string, mode: number, shown: string) {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(temp, "wx", mode);
  } catch (err) {
    throw fileError(err, shown);
  }
  try {
    await handle.chmod(mode); // the umask must not widen or narrow the mode
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw fileError(err, shown);
  }
  await handle.close();
  return temp;
}

async function place(
  temp: string,
  target: string,
  shown: string,
  force: boolean,
  placed: string[],
) {
  if (force) {
    await rename(temp, target).catch((err: unknown) => {
      throw fileError(err, shown);
    });
    return;
  }
  // link() never replaces an existing file, so two writers cannot clobber each other either.
  try {
    await link(temp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw errors.invalidArgument(
        `refusing to overwrite '${shown}': the file already exists (use --force to replace it)`,
      );
    }
    throw fileError(err, shown);
  }
  placed.push(target);
  await unlink(temp);
}

function fileError(err: unknown, shown: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === "ENOENT"
      ? "its directory does not exist"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EISDIR"
          ? "it is a directory"
          : `${code ?? "I/O error"}`;
  return errors.invalidArgument(`cannot write '${shown}': ${reason}`);
}
