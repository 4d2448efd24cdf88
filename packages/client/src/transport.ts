import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { errors } from "@kes/core";
import { Deadline } from "./deadline.js";
import { KesNetworkError } from "./errors.js";
import type { ExchangeAnswer } from "./exchange.js";
import { classifyNetworkError, describeFailure, isRetryable } from "./network.js";
import { Origin } from "./origin.js";
import { KesResponse } from "./response.js";
import { type RetryPolicy, retryDelay, sleep } from "./retry.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "PATCH";

export interface TlsMaterial {
  readonly certPem?: string;
  readonly keyPem?: string;
  /** Extra PEM CA certificates trusted for the server, on top of the system roots. */
  readonly ca?: string;
  /** Do not verify the server's certificate (`kes -k`). */
  readonly insecure: boolean;
}

export interface TransportOptions {
  readonly endpoints: readonly string[];
  readonly tls: TlsMaterial;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
}

export interface TransportRequest {
  readonly method: HttpMethod;
  /** Starts with `/`; joined to the endpoint's base URL. */
  readonly path: string;
  readonly body?: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Retry 503 answers like network errors (kes-go does); default true. */
  readonly retryUnavailable?: boolean;
}

/** Go's TLS handshake timeout, which kes-go inherits. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Go's idle-connection timeout in kes-go's transport. */
const IDLE_TIMEOUT_MS = 90_000;

/**
 * The TLS settings of every connection, built once: certificates are parsed once, and a key
 * that does not belong to its certificate is refused before anything is sent.
 */
function secureContextOf(tls: TlsMaterial): SecureContext {
  try {
    return createSecureContext({
      minVersion: "TLSv1.2",
      ...(tls.certPem === undefined ? {} : { cert: tls.certPem }),
      ...(tls.keyPem === undefined ? {} : { key: tls.keyPem }),
      ...(tls.ca === undefined ? {} : { ca: [...rootCertificates, tls.ca] }),
    });
  } catch (err) {
    // OpenSSL's reason only (e.g. "key values mismatch"): never the PEM text.
    const reason = (err as { reason?: unknown }).reason;
    const detail = typeof reason === "string" ? reason : "unreadable PEM";
    throw errors.invalidArgument(`the client TLS material is not usable: ${detail}`);
  }
}

/**
 * Sends requests to one of several KES endpoints over keep-alive connections (HTTP/2 when the
 * server offers it via ALPN, HTTP/1.1 otherwise), with kes-go's retry and failover. Node's own
 * HTTP clients are used because they finish in-flight requests across a graceful shutdown
 * (HTTP/2 GOAWAY); see README.md.
 */
export class Transport {
  private readonly origins = new Map<string, Origin>();
  private readonly secureContext: SecureContext;
  /** Where the next call starts; moves past endpoints that just failed. */
  private next = 0;

  constructor(private readonly options: TransportOptions) {
    this.secureContext = secureContextOf(options.tls);
  }

  get endpoints(): readonly string[] {
    return this.options.endpoints;
  }

  /**
   * Sends a request, failing over to the next endpoint on network errors and on 5xx answers
   * other than 501 (as kes-go does). The answer of the last endpoint tried is returned as is.
   */
  async send(req: TransportRequest): Promise<KesResponse> {
    const deadline = new Deadline(req.timeoutMs ?? this.options.timeoutMs, req.signal);
    const { endpoints } = this.options;
    const start = this.next;
    let lastError: Error | undefined;
    for (let i = 0; i < endpoints.length; i++) {
      const index = (start + i) % endpoints.length;
      const endpoint = endpoints[index] as string;
      const isLast = i === endpoints.length - 1;
      try {
        const res = await this.sendTo(endpoint, req, deadline);
        if (isLast || res.status < 500 || res.status === 501) return res;
        lastError = await res.apiError();
      } catch (err) {
        if (!(err instanceof KesNetworkError) || deadline.signal.aborted) throw err;
        lastError = err;
      }
      this.next = (index + 1) % endpoints.length;
    }
    throw lastError ?? new Error("no KES endpoint to send the request to");
  }

  /** One endpoint, with up to `retry.retries` repeats on network errors and 503. */
  private async sendTo(
    endpoint: string,
    req: TransportRequest,
    deadline: Deadline,
  ): Promise<KesResponse> {
    const { retry } = this.options;
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < retry.retries;
      let res: ExchangeAnswer;
      try {
        res = await this.exchange(endpoint, req, deadline.signal);
      } catch (err) {
        const stop = deadline.stopError(endpoint, err);
        if (stop !== undefined) throw stop;
        const failure = classifyNetworkError(err);
        if (canRetry && isRetryable(failure)) {
          await this.pause(endpoint, deadline);
          continue;
        }
        const detail = describeFailure(failure, err);
        throw new KesNetworkError(failure, endpoint, `cannot talk to ${endpoint}: ${detail}`, {
          cause: err,
          detail,
        });
      }
      const response = new KesResponse(endpoint, res.status, res.headers, res.body, deadline, {
        method: req.method,
        path: req.path,
      });
      if (res.status === 503 && canRetry && req.retryUnavailable !== false) {
        await response.discard();
        await this.pause(endpoint, deadline);
        continue;
      }
      return response;
    }
  }

  private exchange(
    endpoint: string,
    req: TransportRequest,
    signal: AbortSignal,
  ): Promise<ExchangeAnswer> {
    const url = new URL(endpoint);
    let origin = this.origins.get(url.origin);
    if (origin === undefined) {
      origin = new Origin(url, {
        secureContext: this.secureContext,
        insecure: this.options.tls.insecure,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
      });
      this.origins.set(url.origin, origin);
    }
    const body = typeof req.body === "string" ? Buffer.from(req.body) : req.body;
    return origin.exchange({
      method: req.method,
      // Joined as text: URL parsing would resolve "." and ".." segments in names.
      path: url.pathname.replace(/\/$/, "") + req.path,
      headers: {
        ...req.headers,
        ...(body === undefined ? {} : { "content-length": String(body.length) }),
      },
      signal,
      ...(body === undefined ? {} : { body }),
    });
  }

  private async pause(endpoint: string, deadline: Deadline): Promise<void> {
    try {
      await sleep(retryDelay(this.options.retry), deadline.signal);
    } catch (err) {
      throw deadline.stopError(endpoint, err) ?? err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.origins.values()].map((origin) => origin.close()));
  }
}
