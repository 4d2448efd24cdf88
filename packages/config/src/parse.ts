import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError } from "./errors.js";
import { ConfigNode, type ParseContext } from "./node.js";
import { parseAdmin } from "./sections/admin.js";
import { parseApi } from "./sections/api.js";
import { parseCache } from "./sections/cache.js";
import { parseKeys } from "./sections/keys.js";
import { parseKeystore } from "./sections/keystore.js";
import { parseLog } from "./sections/log.js";
import { parsePolicies } from "./sections/policy.js";
import { parseServices } from "./sections/services.js";
import { parseTls } from "./sections/tls.js";
import type { ConfigWarning, KesConfig, PathSetting } from "./types.js";

export interface ParseOptions {
  /** The file the text came from: named in messages, and relative paths resolve against it. */
  readonly file: string;
  /** The environment for `${VAR}` substitution; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export const DEFAULT_ADDRESS = "0.0.0.0:7373";

const TOP_LEVEL = [
  "version",
  "address",
  "admin",
  "root",
  "tls",
  "cache",
  "log",
  "api",
  "policy",
  "keys",
  "keystore",
  "unseal",
  "services",
] as const;

/** Parses and validates a KES server config file (kes-api.md §7). Throws ConfigError. */
export function parseConfig(text: string, options: ParseOptions): KesConfig {
  const shown = options.file === "" ? "<config>" : options.file;
  const absolute = options.file === "" ? "" : resolve(options.file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const line = lines.linePos(yamlError.pos[0]).line;
    throw new ConfigError(shown, "", line, `invalid YAML: ${yamlError.message.split("\n")[0]}`);
  }
  const warnings: ConfigWarning[] = [];
  const paths: Record<string, PathSetting> = {};
  const ctx: ParseContext = {
    file: shown,
    dir: absolute === "" ? process.cwd() : dirname(absolute),
    env: options.env ?? process.env,
    lines,
    doc,
    warnings,
    paths,
  };
  const root = ConfigNode.root(ctx);
  if (root.absent) throw new ConfigError(shown, "", undefined, "the config file is empty");
  const f = root.fields(TOP_LEVEL);

  const version = f.version.string({ substitute: false })?.trim();
  if (version !== undefined && version !== "v1") {
    f.version.fail(`unsupported config version '${version}': the only version is v1`);
  }
  const admin = parseAdmin(f.admin, f.root);
  const services = parseServices(f.services);
  const config: KesConfig = {
    file: absolute,
    address: parseAddress(f.address),
    admin,
    tls: parseTls(f.tls),
    cache: parseCache(f.cache),
    log: parseLog(f.log),
    api: parseApi(f.api),
    policies: parsePolicies(f.policy, admin),
    keys: parseKeys(f.keys),
    keystore: parseKeystore(f.keystore),
    ...(services === undefined ? {} : { services }),
    warnings,
    source: { file: shown, paths },
  };
  if (!f.unseal.absent) f.unseal.warn("'unseal' is accepted but ignored by this server");
  return config;
}

function parseAddress(node: ConfigNode): string {
  const value = node.string()?.trim();
  if (value === undefined || value === "") return DEFAULT_ADDRESS;
  const m = /^(\[([^\]]*)\]|[^:[\]]*):(\d{1,5})$/.exec(value);
  const bracketed = m?.[2];
  if (m === null || Number(m[3]) > 65535 || (bracketed !== undefined && isIP(bracketed) !== 6)) {
    node.fail(`'${value}' is not a host:port address, e.g. 0.0.0.0:7373`);
  }
  return value;
}
