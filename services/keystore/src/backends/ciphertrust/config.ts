import type { KeystoreConfig } from "@kes/config";
import { errors, type Logger } from "@kes/core";

/** The config block `keystore.gemalto.keysecure`, as @kes/config parses it. */
export type CipherTrustConfig = Extract<KeystoreConfig, { kind: "gemalto.keysecure" }>;

/** Where each setting lives in a KES config file, so errors name the key to fix. */
export const CONFIG_KEYS = {
  endpoint: "keystore.gemalto.keysecure.endpoint",
  token: "keystore.gemalto.keysecure.credentials.token",
  domain: "keystore.gemalto.keysecure.credentials.domain",
  retry: "keystore.gemalto.keysecure.credentials.retry",
  ca: "keystore.gemalto.keysecure.tls.ca",
} as const;

export interface CipherTrustOptions {
  readonly logger?: Logger;
  /**
   * Deadline of one keystore call, all its attempts included, and of each token request.
   * Default 10 s. A silent CipherTrust Manager can never hold a call (or startup) longer.
   */
  readonly timeoutMs?: number;
  /** TCP and TLS connect timeout. Default 10 s, never more than timeoutMs. */
  readonly connectTimeoutMs?: number;
  /** Wait between attempts: baseMs plus a random part up to jitterMs. Default 200 + 0..800 ms. */
  readonly backoff?: { readonly baseMs: number; readonly jitterMs: number };
  /** Randomness for the back-off jitter (tests pin it). */
  readonly random?: () => number;
}

/** Everything the backend runs with, checked. */
export interface Settings {
  /** The endpoint as configured, less one trailing "/" (for logs and status). */
  readonly endpoint: string;
  readonly url: URL;
  /** Path prefix of the endpoint ("" for none); API paths are appended to it. */
  readonly basePath: string;
  readonly refreshToken: string;
  readonly domain: string;
  readonly retryMs: number;
  readonly ca: string | undefined;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly backoff: { readonly baseMs: number; readonly jitterMs: number };
  readonly random: () => number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_BACKOFF = { baseMs: 200, jitterMs: 800 };
/** setTimeout cannot wait longer (it fires at once instead). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveMs(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw errors.invalidArgument(`${what} must be a positive number of milliseconds`);
  }
  return value;
}

function endpointUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw errors.invalidArgument(
      `${CONFIG_KEYS.endpoint}: '${raw}' is not a URL, e.g. https://ciphertrust.example.com`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw errors.invalidArgument(
      `${CONFIG_KEYS.endpoint}: '${raw}' must start with https:// (or http:// for a local simulator)`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    // Never echo it: the user part may hold a password.
    throw errors.invalidArgument(
      `${CONFIG_KEYS.endpoint} must not contain a user name or password; use credentials.token`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw errors.invalidArgument(
      `${CONFIG_KEYS.endpoint}: '${raw}' must not have a query or fragment`,
    );
  }
  return url;
}

/** Checks the config block and the options; every error names the setting to fix. */
export function settingsOf(config: CipherTrustConfig, options: CipherTrustOptions): Settings {
  const rawEndpoint = typeof config.endpoint === "string" ? config.endpoint.trim() : "";
  if (rawEndpoint === "") {
    throw errors.invalidArgument(
      `${CONFIG_KEYS.endpoint} is empty: set it to the CipherTrust Manager REST endpoint, e.g. https://ciphertrust.example.com`,
    );
  }
  const refreshToken = typeof config.token === "string" ? config.token.trim() : "";
  if (refreshToken === "") {
    throw errors.invalidArgument(
      `${CONFIG_KEYS.token} is empty: set it to a CipherTrust Manager refresh token (ksctl tokens create --issue-rt)`,
    );
  }
  // KES used the endpoint verbatim, so "https://cm/" produced "//api/v1/..."; one "/" is dropped.
  const endpoint = rawEndpoint.endsWith("/") ? rawEndpoint.slice(0, -1) : rawEndpoint;
  const url = endpointUrl(endpoint);
  const timeoutMs = positiveMs(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, "the CipherTrust timeout");
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  if (!(backoff.baseMs >= 0 && backoff.jitterMs >= 0)) {
    throw errors.invalidArgument("the CipherTrust back-off must not be negative");
  }
  return {
    endpoint,
    url,
    basePath: url.pathname === "/" ? "" : url.pathname.replace(/\/$/, ""),
    refreshToken,
    domain: typeof config.domain === "string" ? config.domain.trim() : "",
    retryMs: positiveMs(config.retryMs, CONFIG_KEYS.retry),
    ca: config.ca === undefined || config.ca === "" ? undefined : config.ca,
    timeoutMs,
    connectTimeoutMs: Math.min(
      positiveMs(options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS, "the CipherTrust connect timeout"),
      timeoutMs,
    ),
    backoff,
    random: options.random ?? Math.random,
  };
}
