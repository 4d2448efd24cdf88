import { type ClientHttp2Session, connect, constants } from "node:http2";
import { Agent, request } from "node:https";

/** Client TLS material (PEM): the CA that signed the server, our certificate and key. */
export interface ClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export type Protocol = "h2" | "h1";

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends one POST and reads the whole answer; rejects on network errors and on timeout. */
export interface Transport {
  post(path: string, body: string, timeoutMs: number): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface TransportOptions {
  readonly protocol: Protocol;
  /** e.g. "https://127.0.0.1:7373" */
  readonly endpoint: string;
  readonly tls: ClientTls;
  /** HTTP/1.1: the keep-alive pool size. HTTP/2: ignored (streams are multiplexed). */
  readonly concurrency: number;
  /** HTTP/2 sessions to spread the streams over (round robin); default 1. */
  readonly sessions?: number;
}

export function createTransport(options: TransportOptions): Transport {
  return options.protocol === "h2" ? new H2Transport(options) : new H1Transport(options);
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** HTTP/2: a few long-lived sessions, one stream per request; a broken session is replaced. */
class H2Transport implements Transport {
  private readonly sessions: (ClientHttp2Session | undefined)[];
  private next = 0;

  constructor(private readonly options: TransportOptions) {
    this.sessions = new Array(Math.max(1, options.sessions ?? 1)).fill(undefined);
  }

  private session(): ClientHttp2Session {
    const index = this.next;
    this.next = (this.next + 1) % this.sessions.length;
    const current = this.sessions[index];
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const { ca, cert, key } = this.options.tls;
    const session = connect(this.options.endpoint, { ca, cert, key });
    // Errors surface on the streams; an unhandled 'error' event would kill the process.
    session.on("error", () => {});
    session.on("close", () => {
      if (this.sessions[index] === session) this.sessions[index] = undefined;
    });
    this.sessions[index] = session;
    return session;
  }

  post(path: string, body: string, timeoutMs: number): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      let stream: ReturnType<ClientHttp2Session["request"]>;
      try {
        stream = this.session().request({
          [constants.HTTP2_HEADER_METHOD]: "POST",
          [constants.HTTP2_HEADER_PATH]: path,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        });
      } catch (err) {
        reject(err);
        return;
      }
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        reject(new TimeoutError(timeoutMs));
      }, timeoutMs);
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on("response", (headers) => {
        status = Number(headers[constants.HTTP2_HEADER_STATUS]);
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        clearTimeout(timer);
        resolve({ status, body: Buffer.concat(chunks).toString("utf8") });
      });
      stream.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      stream.end(body);
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sessions.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s === undefined || s.closed || s.destroyed) return resolve();
            const timer = setTimeout(() => {
              s.destroy();
              resolve();
            }, 2_000);
            s.close(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}

/** HTTP/1.1: keep-alive connections, as many as there are concurrent requests. */
class H1Transport implements Transport {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(options: TransportOptions) {
    const { ca, cert, key } = options.tls;
    this.url = new URL(options.endpoint);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.concurrency,
      maxFreeSockets: options.concurrency,
      ca,
      cert,
      key,
      // Offer only HTTP/1.1, so the server's ALPN cannot pick h2 for us.
      ALPNProtocols: ["http/1.1"],
    });
  }

  post(path: string, body: string, timeoutMs: number): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
          port: this.url.port,
          method: "POST",
          path,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new TimeoutError(timeoutMs)), timeoutMs);
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
