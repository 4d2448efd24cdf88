import { rootCertificates } from "node:tls";
import { Agent, request } from "undici";
import { Deadline } from "./deadline.js";
import { KesNetworkError } from "./errors.js";
import { classifyNetworkError, describeFailure, isRetryable } from "./network.js";
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
 * Sends requests to one of several KES endpoints over one keep-alive connection pool (HTTP/2
 * when the server offers it via ALPN, HTTP/1.1 otherwise), with kes-go's retry and failover.
 */
export class Transport {
  private readonly agent: Agent;
  /** Where the next call starts; moves past endpoints that just failed. */
  private next = 0;

  constructor(private readonly options: TransportOptions) {
    const { tls } = options;
    this.agent = new Agent({
      allowH2: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      keepAliveTimeout: IDLE_TIMEOUT_MS,
      keepAliveMaxTimeout: IDLE_TIMEOUT_MS,
      // Off: every call carries its own deadline (which may exceed the client's default).
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: {
        rejectUnauthorized: !tls.insecure,
        minVersion: "TLSv1.2",
        ...(tls.certPem === undefined ? {} : { cert: tls.certPem }),
        ...(tls.keyPem === undefined ? {} : { key: tls.keyPem }),
        ...(tls.ca === undefined ? {} : { ca: [...rootCertificates, tls.ca] }),
      },
    });
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
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(endpoint + req.path, {
          dispatcher: this.agent,
          method: req.method,
          signal: deadline.signal,
          ...(req.headers === undefined ? {} : { headers: { ...req.headers } }),
          ...(req.body === undefined ? {} : { body: req.body }),
        });
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
      const response = new KesResponse(
        endpoint,
        res.statusCode,
        flattenHeaders(res.headers),
        res.body,
        deadline,
      );
      if (res.statusCode === 503 && canRetry && req.retryUnavailable !== false) {
        await response.discard();
        await this.pause(endpoint, deadline);
        continue;
      }
      return response;
    }
  }

  private async pause(endpoint: string, deadline: Deadline): Promise<void> {
    try {
      await sleep(retryDelay(this.options.retry), deadline.signal);
    } catch (err) {
      throw deadline.stopError(endpoint, err) ?? err;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
