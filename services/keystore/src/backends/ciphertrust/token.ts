import { errors, type Logger } from "@kes/core";
import { CONFIG_KEYS, MAX_TIMER_MS, type Settings } from "./config.js";
import { describeCmError, parseCmError } from "./errors.js";
import type { CmHttp } from "./http.js";

/** KES reads at most 1 MiB of a token answer. */
const MAX_TOKEN_ANSWER = 1 << 20;
const TOKEN_PATH = "/api/v1/auth/tokens";

export interface AccessToken {
  /** The Authorization header value, "Bearer <jwt>". */
  readonly header: string;
  /** The JWT's lifetime as CM stated it (`duration`). */
  readonly durationMs: number;
}

function malformed(what: string): Error {
  return errors.keystoreFailure(`CipherTrust Manager's token answer is malformed: ${what}`);
}

/** Request #1 of ciphertrust.md §1.3: a JWT for the refresh token, validated as KES does. */
export async function requestAccessToken(http: CmHttp, settings: Settings): Promise<AccessToken> {
  let answer: Awaited<ReturnType<CmHttp["send"]>>;
  try {
    answer = await http.send({
      op: "token",
      method: "POST",
      path: TOKEN_PATH,
      // The domain key is always sent, "" meaning the refresh token's own (root) domain.
      json: JSON.stringify({
        grant_type: "refresh_token",
        refresh_token: settings.refreshToken,
        domain: settings.domain,
      }),
      maxBodyBytes: MAX_TOKEN_ANSWER,
    });
  } catch (err) {
    throw errors.keystoreFailure(
      `cannot obtain a CipherTrust Manager access token: ${(err as Error).message}`,
    );
  }
  if (answer.status === 401 || answer.status === 403) {
    const cm = describeCmError(parseCmError(answer.status, answer.contentType, answer.body));
    const domain =
      settings.domain === ""
        ? ""
        : ` and that ${CONFIG_KEYS.domain} ("${settings.domain}") is the token's domain`;
    throw errors.keystoreFailure(
      `CipherTrust Manager refused the refresh token (${CONFIG_KEYS.token}): ${cm}. ` +
        `Check that the token is current (not revoked or expired)${domain}; ` +
        "a new one comes from: ksctl tokens create --user <user> --password <password> --issue-rt",
    );
  }
  if (answer.status !== 200) {
    const cm = describeCmError(parseCmError(answer.status, answer.contentType, answer.body));
    throw errors.keystoreFailure(
      `CipherTrust Manager did not issue an access token: ${cm} (is ${CONFIG_KEYS.endpoint} the CipherTrust Manager REST endpoint?)`,
    );
  }
  return parseTokenAnswer(answer.body);
}

/** KES's checks: a non-empty jwt, token_type exactly "Bearer", a positive duration. */
export function parseTokenAnswer(body: Buffer): AccessToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw malformed("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw malformed("not a JSON object");
  }
  const { jwt, token_type: type, duration } = parsed as Record<string, unknown>;
  if (typeof jwt !== "string" || jwt === "") throw malformed("no jwt");
  if (type !== "Bearer") {
    throw malformed(`token_type is ${JSON.stringify(type) ?? "missing"}, expected "Bearer"`);
  }
  if (typeof duration !== "number" || !Number.isFinite(duration) || duration <= 0) {
    throw malformed(`duration is ${JSON.stringify(duration) ?? "missing"}, expected seconds > 0`);
  }
  // A JWT travels in a header: anything outside visible ASCII would break or smuggle headers.
  if (!/^[\x21-\x7e]+$/.test(jwt)) throw malformed("the jwt has characters a header cannot carry");
  return { header: `Bearer ${jwt}`, durationMs: duration * 1000 };
}

export interface TokenKeeperOptions {
  readonly retryMs: number;
  readonly log: Logger;
}

/**
 * Keeps a valid access token: obtained at start, renewed at half its lifetime, retried every
 * `retryMs` after a failure (the old token is used meanwhile), and renewed on demand after a
 * 401, with concurrent demands sharing one token request.
 */
export class TokenKeeper {
  readonly #request: () => Promise<AccessToken>;
  readonly #retryMs: number;
  readonly #log: Logger;
  #current: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastFailure: { at: number; error: Error } | undefined;
  #closed = false;

  constructor(request: () => Promise<AccessToken>, options: TokenKeeperOptions) {
    this.#request = request;
    this.#retryMs = options.retryMs;
    this.#log = options.log;
  }

  /** Obtains the first token; its failure is the caller's (startup fails). */
  async start(): Promise<void> {
    await this.#renew();
  }

  /** The Authorization header to send now. */
  get header(): string {
    if (this.#current === undefined) throw errors.keystoreFailure("CipherTrust: no access token");
    return this.#current.header;
  }

  /**
   * A token to replace `stale`, which CM just refused. If another call already renewed it, that
   * token; if a renewal is running, its result; if one failed less than `retryMs` ago, that
   * failure again (a revoked refresh token must not turn every call into a token request).
   */
  async renewAfterRefusal(stale: string): Promise<string> {
    if (this.#closed) throw errors.keystoreFailure("CipherTrust keystore: closed");
    if (this.#current !== undefined && this.#current.header !== stale) return this.#current.header;
    if (this.#inflight === undefined && this.#lastFailure !== undefined) {
      if (Date.now() - this.#lastFailure.at < this.#retryMs) throw this.#lastFailure.error;
    }
    this.#log.info("CipherTrust Manager refused the access token; renewing it now");
    return (await this.#renew()).header;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #renew(): Promise<AccessToken> {
    this.#inflight ??= this.#request()
      .then(
        (token) => {
          this.#current = token;
          this.#lastFailure = undefined;
          this.#schedule(token.durationMs / 2);
          return token;
        },
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          this.#lastFailure = { at: Date.now(), error };
          throw error;
        },
      )
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#background(), Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    // The keeper serves calls; it must not be what keeps a process alive.
    this.#timer.unref();
  }

  async #background(): Promise<void> {
    this.#timer = undefined;
    if (this.#closed) return;
    try {
      await this.#renew();
      this.#log.debug("CipherTrust Manager access token renewed");
    } catch (err) {
      if (this.#closed) return;
      this.#log.error(
        { error: (err as Error).message, retryInMs: this.#retryMs },
        "CipherTrust Manager access token renewal failed; keeping the current token and retrying",
      );
      this.#schedule(this.#retryMs);
    }
  }
}
