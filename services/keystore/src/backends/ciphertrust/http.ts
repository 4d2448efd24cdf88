import { performance } from "node:perf_hooks";
import type { Logger } from "@kes/core";
import { Pool } from "undici";
import type { Settings } from "./config.js";
import { classifyTransportError, TransportError, targetOf } from "./errors.js";
import { checkServerIdentity } from "./tls.js";

/** KES retries twice: three attempts in all. */
export const MAX_ATTEMPTS = 3;

export interface CmRequest {
  readonly method: "GET" | "POST" | "DELETE";
  /** Appended to the endpoint, e.g. "/api/v1/vault/secrets"; "" is the endpoint itself. */
  readonly path: string;
  /** A JSON body (sent with Content-Type: application/json). */
  readonly json?: string;
  /** The Authorization header value ("Bearer <jwt>"). */
  readonly authorization?: string;
  /** The caller's signal; the call also ends at the store's deadline. */
  readonly signal?: AbortSignal;
  /** Larger answers are refused (KES: 1 MiB token, 2 MiB export, 32 MiB list page). */
  readonly maxBodyBytes: number;
  /** Deadline of this call, all attempts included; default the store's timeout. */
  readonly timeoutMs?: number;
  /** false: a single attempt (the status probe). */
  readonly retry?: boolean;
  /** For logs: which operation this is ("token", "create", ...). */
  readonly op: string;
}

export interface CmAnswer {
  readonly status: number;
  /** "" when the answer has none. */
  readonly contentType: string;
  readonly body: Buffer;
  /** How many attempts it took (a 409 after a retry may be our own earlier create). */
  readonly attempts: number;
}

/**
 * The HTTP client of one CipherTrust keystore: one undici pool (keep-alive) for the endpoint's
 * origin, TLS as the endpoint's scheme says, KES's retry rule (twice on 5xx, timeouts and
 * dropped connections, jittered back-off) and a deadline on every call.
 */
export class CmHttp {
  readonly #settings: Settings;
  readonly #pool: Pool;
  readonly #log: Logger;

  constructor(settings: Settings, ca: string[] | undefined, log: Logger) {
    this.#settings = settings;
    this.#log = log;
    const tls = settings.url.protocol === "https:";
    this.#pool = new Pool(settings.url.origin, {
      connections: 32,
      // KES keeps idle connections 30 s; a server's keep-alive hint can shorten that.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      connect: {
        timeout: settings.connectTimeoutMs,
        keepAlive: true,
        keepAliveInitialDelay: 10_000,
        ...(tls ? { checkServerIdentity, ...(ca === undefined ? {} : { ca }) } : {}),
      },
    });
  }

  /** Sends a request, retrying as KES does; throws TransportError when no answer came. */
  async send(request: CmRequest): Promise<CmAnswer> {
    const timeoutMs = request.timeoutMs ?? this.#settings.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal =
      request.signal === undefined ? deadline : AbortSignal.any([request.signal, deadline]);
    const endsAt = performance.now() + timeoutMs;
    const attempts = request.retry === false ? 1 : MAX_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      let answer: CmAnswer | undefined;
      let failure: TransportError | undefined;
      try {
        answer = await this.#once(request, signal, attempt);
      } catch (err) {
        failure = this.#transportError(err, request, deadline, timeoutMs);
      }
      const retryable = answer !== undefined ? answer.status >= 500 : failure?.retryable === true;
      const wait = this.#backoff();
      // Retry only if another attempt can still start before the deadline.
      if (!retryable || attempt >= attempts || performance.now() + wait >= endsAt) {
        if (answer !== undefined) return answer;
        throw failure;
      }
      this.#log.warn(
        {
          op: request.op,
          attempt,
          ...(answer === undefined ? { error: failure?.message } : { status: answer.status }),
          retryInMs: Math.round(wait),
        },
        "CipherTrust Manager request failed; retrying",
      );
      if (!(await sleep(wait, signal))) {
        throw this.#transportError(signal.reason, request, deadline, timeoutMs);
      }
    }
  }

  /** One GET of `path` with no retry; resolves when any HTTP answer arrives (body discarded). */
  async probe(path: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const both = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    try {
      const res = await this.#pool.request({
        method: "GET",
        path: this.#path(path),
        signal: both,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // Read (and drop) a little so the connection can be reused; a big page is cut off.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      return res.statusCode;
    } catch (err) {
      const request = signal === undefined ? { op: "status" } : { op: "status", signal };
      throw this.#transportError(err, request, deadline, timeoutMs);
    }
  }

  /** Cuts every connection; calls in flight fail. */
  async close(): Promise<void> {
    await this.#pool.destroy().catch(() => undefined);
  }

  #path(path: string): string {
    const full = this.#settings.basePath + path;
    return full === "" ? "/" : full;
  }

  #backoff(): number {
    const { baseMs, jitterMs } = this.#settings.backoff;
    return baseMs + this.#settings.random() * jitterMs;
  }

  async #once(request: CmRequest, signal: AbortSignal, attempt: number): Promise<CmAnswer> {
    const headers: Record<string, string> = {};
    if (request.json !== undefined) headers["content-type"] = "application/json";
    if (request.authorization !== undefined) headers.authorization = request.authorization;
    const res = await this.#pool.request({
      method: request.method,
      path: this.#path(request.path),
      headers,
      body: request.json ?? null,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > request.maxBodyBytes) {
        res.body.destroy();
        throw new TransportError(
          "too-large",
          `CipherTrust Manager at ${targetOf(this.#settings.url)} sent a ${request.op} answer larger than ${request.maxBodyBytes} bytes`,
          false,
        );
      }
      chunks.push(chunk);
    }
    const type = res.headers["content-type"];
    return {
      status: res.statusCode,
      contentType: typeof type === "string" ? type : "",
      body: Buffer.concat(chunks),
      attempts: attempt,
    };
  }

  #transportError(
    err: unknown,
    request: Pick<CmRequest, "op" | "signal">,
    deadline: AbortSignal,
    timeoutMs: number,
  ): TransportError {
    const target = targetOf(this.#settings.url);
    if (request.signal?.aborted === true) {
      return new TransportError("aborted", `${request.op}: call aborted by the caller`, false);
    }
    if (deadline.aborted) {
      return new TransportError(
        "timeout",
        `no answer from CipherTrust Manager at ${target} within ${timeoutMs} ms (${request.op})`,
        false,
      );
    }
    return classifyTransportError(err, this.#settings.url, this.#settings.ca);
  }
}

/** Waits `ms`; false if `signal` fired first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      resolve(false);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
