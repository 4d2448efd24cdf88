import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import { parseConfig } from "./parse.js";
import type { KesConfig } from "./types.js";

/** Config files are small; anything bigger is surely the wrong file. */
const MAX_CONFIG_SIZE = 1 << 20;

/** Reads and parses a KES server config file. Throws ConfigError for every problem. */
export async function loadConfig(
  file: string,
  options: { readonly env?: NodeJS.ProcessEnv } = {},
): Promise<KesConfig> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory())
      throw new ConfigError(file, "", undefined, "cannot read the config file: it is a directory");
    if (info.size > MAX_CONFIG_SIZE) {
      throw new ConfigError(
        file,
        "",
        undefined,
        `the config file is too large (${info.size} bytes; at most 1 MiB)`,
      );
    }
    text = await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "it does not exist"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : (code ?? "I/O error");
    throw new ConfigError(file, "", undefined, `cannot read the config file: ${reason}`);
  }
  return parseConfig(text, options.env === undefined ? { file } : { file, env: options.env });
}
