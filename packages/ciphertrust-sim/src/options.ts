import { errors, type Logger } from "@kes/core";
import type { SimSettings } from "./settings.js";

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /**
   * true: make a private CA and a server certificate; or use this certificate and key (and
   * report `caPem` if given). Default: plain HTTP, unless `tlsDir` is set.
   */
  readonly tls?:
    | boolean
    | { readonly certPem: string; readonly keyPem: string; readonly caPem?: string };
  /** Write ca.pem, server.pem and server.key here (reused while valid). Implies TLS. */
  readonly tlsDir?: string;
  /** Persist users, groups, policies, secrets and tokens to this JSON file. */
  readonly stateFile?: string;
  /** JWT lifetime; default 300 s as in CM. */
  readonly jwtTtlSeconds?: number;
  /** Base clock (ms since epoch); the virtual clock adds its offset to it. */
  readonly clock?: () => number;
  /** The built-in admin (group admin, bypasses policy). Default admin / admin. */
  readonly adminUser?: { readonly username: string; readonly password: string };
  /** Initial behaviour knobs (see SimSettings). */
  readonly settings?: Partial<SimSettings>;
  readonly logger?: Logger;
  /** Randomness for probability faults, jitter and shuffles (tests make it deterministic). */
  readonly random?: () => number;
}

function nonEmpty(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw errors.invalidArgument(`invalid simulator option ${what}: expected a non-empty string`);
  }
  return value;
}

/** Checks the options a caller can get wrong; names the option in the error. */
export function checkOptions(options: SimulatorOptions): void {
  if (options.host !== undefined) nonEmpty(options.host, "host");
  const port = options.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw errors.invalidArgument("invalid simulator option port: expected an integer in 0..65535");
  }
  const ttl = options.jwtTtlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0)) {
    throw errors.invalidArgument(
      "invalid simulator option jwtTtlSeconds: expected a positive integer",
    );
  }
  if (options.adminUser !== undefined) {
    nonEmpty(options.adminUser.username, "adminUser.username");
    nonEmpty(options.adminUser.password, "adminUser.password");
  }
  if (typeof options.tls === "object") {
    nonEmpty(options.tls.certPem, "tls.certPem");
    nonEmpty(options.tls.keyPem, "tls.keyPem");
  }
  if (options.tlsDir !== undefined) nonEmpty(options.tlsDir, "tlsDir");
  if (options.stateFile !== undefined) nonEmpty(options.stateFile, "stateFile");
}
