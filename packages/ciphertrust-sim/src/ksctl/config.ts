import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { errors } from "@kes/core";
import { parse } from "yaml";

/** The ksctl settings this subset understands (others, like KSCTL_VERBOSITY, are ignored). */
export interface KsctlConfig {
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly domain: string;
  readonly noSslVerify: boolean;
  readonly timeoutSeconds: number;
  readonly resp: "json" | "yaml";
  /** The config file read, if any (for messages). */
  readonly file: string | undefined;
}

/** Values given on the command line; they win over the environment and the file. */
export interface KsctlFlags {
  readonly configfile?: string;
  readonly url?: string;
  readonly user?: string;
  readonly password?: string;
  readonly domain?: string;
  readonly nosslverify?: boolean;
  readonly timeout?: string;
}

const KEYS = [
  "KSCTL_URL",
  "KSCTL_USERNAME",
  "KSCTL_PASSWORD",
  "KSCTL_DOMAIN",
  "KSCTL_NOSSLVERIFY",
  "KSCTL_TIMEOUT",
  "KSCTL_RESP",
] as const;
type Key = (typeof KEYS)[number];

/** --configfile, else ./config.yaml, else ~/.ksctl/config.yaml, else none. */
function findFile(flags: KsctlFlags, cwd: string, home: string): string | undefined {
  if (flags.configfile !== undefined) {
    const file = resolve(cwd, flags.configfile);
    if (!existsSync(file))
      throw errors.invalidArgument(`config file ${flags.configfile} does not exist`);
    return file;
  }
  return [join(cwd, "config.yaml"), join(home, ".ksctl", "config.yaml")].find((f) => existsSync(f));
}

function readFile(file: string): Partial<Record<Key, unknown>> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw errors.invalidArgument(
      `config file ${file}: not valid YAML (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw errors.invalidArgument(`config file ${file}: expected a mapping of KSCTL_* keys`);
  }
  return doc as Partial<Record<Key, unknown>>;
}

function asBool(value: unknown, where: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value))
    return value.toLowerCase() === "true";
  throw errors.invalidArgument(`${where}: KSCTL_NOSSLVERIFY must be true or false`);
}

function asSeconds(value: unknown, where: string): number {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
    throw errors.invalidArgument(`${where}: KSCTL_TIMEOUT must be a positive number of seconds`);
  }
  return n;
}

/** Merges flags > environment > config file, and checks the result. */
export function loadConfig(
  flags: KsctlFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  home: string = homedir(),
): KsctlConfig {
  const file = findFile(flags, cwd, home);
  const fromFile = file === undefined ? {} : readFile(file);
  const where = file ?? "environment";
  const pick = (key: Key): unknown => env[key] ?? fromFile[key];
  const str = (key: Key): string | undefined => {
    const v = pick(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" && typeof v !== "number") {
      throw errors.invalidArgument(`${where}: ${key} must be a string`);
    }
    return String(v);
  };

  const url = flags.url ?? str("KSCTL_URL");
  if (url === undefined || url === "") {
    throw errors.invalidArgument(
      "no CipherTrust Manager URL: set KSCTL_URL in config.yaml (or ~/.ksctl/config.yaml), the environment, or pass --url",
    );
  }
  if (!/^https?:\/\//.test(url)) {
    throw errors.invalidArgument(`${where}: KSCTL_URL must start with https:// or http://`);
  }
  const noSsl = flags.nosslverify === true ? true : pick("KSCTL_NOSSLVERIFY");
  const timeout = flags.timeout ?? pick("KSCTL_TIMEOUT");
  const resp = str("KSCTL_RESP") ?? "json";
  if (resp !== "json" && resp !== "yaml") {
    throw errors.invalidArgument(`${where}: KSCTL_RESP must be json or yaml`);
  }
  return {
    url: url.replace(/\/+$/, ""),
    username: flags.user ?? str("KSCTL_USERNAME"),
    password: flags.password ?? str("KSCTL_PASSWORD"),
    domain: flags.domain ?? str("KSCTL_DOMAIN") ?? "",
    noSslVerify: noSsl === undefined || noSsl === null ? false : asBool(noSsl, where),
    timeoutSeconds: timeout === undefined || timeout === null ? 30 : asSeconds(timeout, where),
    resp,
    file,
  };
}
