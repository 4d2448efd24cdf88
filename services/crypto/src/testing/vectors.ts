// Test support only: the recorded KES vectors in ../shared/vectors beside the repository.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface VectorCase {
  readonly op: string;
  readonly context: string | null;
  readonly plaintext: string;
  readonly ciphertext: string;
}

export interface VectorKey {
  readonly name: string;
  readonly stored_key: string;
  readonly describe: {
    readonly name: string;
    readonly id?: string;
    readonly algorithm?: string;
    readonly created_at: string;
    readonly created_by?: string;
  };
  readonly cases: readonly VectorCase[];
}

export interface VectorFile {
  readonly era: string;
  readonly keys: readonly VectorKey[];
}

/** The repository root: the nearest directory upwards holding pnpm-workspace.yaml. */
export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}

/** ../shared/vectors, or undefined when this checkout has no shared folder beside it. */
export function vectorsDir(): string | undefined {
  const dir = join(repoRoot(), "..", "shared", "vectors");
  return existsSync(dir) ? dir : undefined;
}

export function readVectors(dir: string, file: string): VectorFile {
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as VectorFile;
}

export const b64 = (text: string | null): Uint8Array =>
  text === null ? new Uint8Array(0) : Buffer.from(text, "base64");
