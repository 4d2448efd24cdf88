import type { ConfigWarning } from "./types.js";

/**
 * A config file that cannot be used. The message names the file, the line (when known) and the
 * dotted key path: `server-config.yml:14: policy.my-app.allow[1]: expected a string, got a map`.
 * Messages never contain secret values (tokens, passwords).
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The file as the user named it. */
  readonly file: string;
  /** Dotted key path, e.g. "keystore.gemalto.keysecure.endpoint"; "" for the whole file. */
  readonly path: string;
  readonly line?: number;
  /** The message without the file/line/path prefix. */
  readonly reason: string;

  constructor(file: string, path: string, line: number | undefined, reason: string) {
    super(`${location(file, line)}${path === "" ? "" : `${path}: `}${reason}`);
    this.file = file;
    this.path = path;
    this.reason = reason;
    if (line !== undefined) this.line = line;
  }
}

/** A warning formatted like a ConfigError: `file:line: path: message`. */
export function formatConfigWarning(file: string, warning: ConfigWarning): string {
  return `${location(file, warning.line)}${warning.path === "" ? "" : `${warning.path}: `}${warning.message}`;
}

function location(file: string, line: number | undefined): string {
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}
