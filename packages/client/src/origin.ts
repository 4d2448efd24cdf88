import type { SecureContext, TLSSocket } from "node:tls";
import { connectTls } from "./connect.js";
import { type ExchangeAnswer, type ExchangeRequest, untilAborted } from "./exchange.js";
import { Http1Channel } from "./http1-channel.js";
import { Http2Session } from "./http2-session.js";

export interface OriginOptions {
  readonly secureContext: SecureContext;
  readonly insecure: boolean;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/**
 * The connections to one KES endpoint. The first connection offers h2 and http/1.1 (ALPN);
 * what the server picks decides how this endpoint is spoken to from then on: one multiplexed
 * HTTP/2 session (replaced when it goes away), or a keep-alive HTTP/1.1 pool.
 */
export class Origin {
  private protocol: "h2" | "http/1.1" | undefined;
  private session: Http2Session | undefined;
  /** The connection being opened, shared by the requests that wait for it. */
  private opening: Promise<Http2Session | undefined> | undefined;
  private readonly http1: Http1Channel;

  constructor(
    private readonly url: URL,
    private readonly options: OriginOptions,
  ) {
    this.http1 = new Http1Channel(url, () => this.dial(["http/1.1"]), options.idleTimeoutMs);
  }

  async exchange(req: ExchangeRequest): Promise<ExchangeAnswer> {
    if (this.protocol === "http/1.1") return this.http1.exchange(req);
    let session = this.session?.usable ? this.session : undefined;
    if (session === undefined) {
      this.opening ??= this.open().finally(() => {
        this.opening = undefined;
      });
      session = await untilAborted(this.opening, req.signal);
      if (session === undefined) return this.http1.exchange(req);
    }
    return session.exchange(req);
  }

  async close(): Promise<void> {
    this.http1.close();
    await this.opening?.catch(() => {});
    await this.session?.close();
  }

  private async open(): Promise<Http2Session | undefined> {
    const socket = await this.dial(["h2", "http/1.1"]);
    if (socket.alpnProtocol !== "h2") {
      this.protocol = "http/1.1";
      this.http1.adopt(socket);
      return undefined;
    }
    this.protocol = "h2";
    this.session = new Http2Session(this.url, socket, this.options.idleTimeoutMs);
    return this.session;
  }

  private dial(alpn: readonly string[]): Promise<TLSSocket> {
    return connectTls({
      url: this.url,
      secureContext: this.options.secureContext,
      insecure: this.options.insecure,
      alpn,
      timeoutMs: this.options.connectTimeoutMs,
    });
  }
}
