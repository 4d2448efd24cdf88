import type { IncomingHttpHeaders } from "node:http2";
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from "node:http2";
import type { TLSSocket } from "node:tls";
import { type ExchangeAnswer, type ExchangeRequest, flattenHeaders } from "./exchange.js";

/** HTTP/2 PINGs on a connection with open streams: how often, and how long for the ack. */
export interface Keepalive {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_KEEPALIVE: Keepalive = { intervalMs: 30_000, timeoutMs: 10_000 };

/**
 * One HTTP/2 connection to an endpoint. Node's HTTP/2 client follows GOAWAY as RFC 9113 §6.8
 * says: streams the server accepted (id <= last-stream-id) run to their end, later ones fail
 * with REFUSED_STREAM (safe to send again). Once GOAWAY arrives the session takes no new
 * requests and the next one opens a fresh connection.
 */
export class Http2Session {
  private readonly session: ClientHttp2Session;
  /** Streams not yet closed; while there are any, the session keeps the process alive. */
  private readonly streams = new Set<ClientHttp2Stream>();
  private goingAway = false;
  /** close() is waiting: the session must keep the process alive until it is closed. */
  private closing = false;

  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pinging = false;

  constructor(
    url: URL,
    socket: TLSSocket,
    idleMs: number,
    private readonly keepalive: Keepalive = DEFAULT_KEEPALIVE,
  ) {
    this.session = connect(url.origin, { createConnection: () => socket });
    // Stream failures reach their requests; a session error only retires the session.
    this.session.on("error", () => {
      this.goingAway = true;
    });
    this.session.on("goaway", () => {
      this.goingAway = true;
    });
    // The server hung up (a crash, kill -9: the kernel's FIN). Node then ends every open
    // stream as if the server had ended it, so a listing cut in the middle would read as
    // complete; the socket's end comes first, while a stream the server did end is already
    // closed: the others fail here instead.
    socket.once("end", () => this.cutShort());
    // An idle connection is let go (graceful: a quiet log stream keeps running).
    this.session.setTimeout(idleMs, () => this.session.close());
    this.session.unref();
  }

  /** Whether a new request may go on this session. */
  get usable(): boolean {
    return !this.goingAway && !this.session.closed && !this.session.destroyed;
  }

  exchange(req: ExchangeRequest): Promise<ExchangeAnswer> {
    let stream: ClientHttp2Stream;
    try {
      stream = this.session.request(
        { ":method": req.method, ":path": req.path, ...req.headers },
        { endStream: req.body === undefined, signal: req.signal },
      );
    } catch (err) {
      // E.g. ERR_HTTP2_GOAWAY_SESSION: the session went away between the check and now.
      this.goingAway = true;
      return Promise.reject(err);
    }
    this.track(stream);
    return new Promise((resolve, reject) => {
      const settle = () => {
        stream.off("response", onResponse);
        stream.off("error", onError);
        stream.off("close", onClose);
      };
      const onResponse = (headers: IncomingHttpHeaders) => {
        settle();
        resolve({
          status: Number(headers[":status"]),
          headers: flattenHeaders(headers),
          body: stream,
        });
      };
      const onError = (err: Error) => {
        settle();
        reject(err);
      };
      const onClose = () => {
        settle();
        const err = new Error(`HTTP/2 stream closed before an answer (code ${stream.rstCode})`);
        reject(Object.assign(err, { code: "ERR_HTTP2_STREAM_CLOSED" }));
      };
      stream.on("response", onResponse);
      stream.on("error", onError);
      stream.on("close", onClose);
      if (req.body !== undefined) stream.end(req.body);
    });
  }

  /**
   * Ends the session (GOAWAY): at once when idle, else once its streams are done. Waiting for
   * that must keep the process alive, or it could exit in the middle of a caller's `await`.
   */
  async close(): Promise<void> {
    if (this.session.destroyed) return;
    const closed = new Promise<void>((resolve) => this.session.once("close", resolve));
    this.closing = true;
    this.session.ref();
    if (this.streams.size === 0) this.session.destroy();
    else this.session.close();
    await closed;
  }

  private track(stream: ClientHttp2Stream): void {
    // Errors after the answer surface where the body is read; unread, they must not crash us.
    stream.on("error", () => {});
    if (this.streams.size === 0) {
      this.session.ref();
      this.keepaliveTimer = setInterval(() => this.probe(), this.keepalive.intervalMs);
      this.keepaliveTimer.unref();
    }
    this.streams.add(stream);
    stream.once("close", () => {
      this.streams.delete(stream);
      if (this.streams.size === 0) {
        clearInterval(this.keepaliveTimer);
        if (!this.closing) this.session.unref();
      }
    });
  }

  /**
   * While streams are open (a `kes log` stream can be quiet for hours), a PING now and then
   * tells a live server from one that stopped answering (SIGSTOP, a dead host, a dropped
   * route): without the ack in time, every open stream fails instead of waiting forever.
   */
  private probe(): void {
    if (this.pinging || this.session.destroyed) return;
    this.pinging = true;
    const timer = setTimeout(() => {
      this.pinging = false;
      this.cutShort(`no answer to a keepalive ping within ${this.keepalive.timeoutMs} ms`);
      this.session.destroy();
    }, this.keepalive.timeoutMs);
    timer.unref();
    let sent = false;
    try {
      sent = this.session.ping(() => {
        clearTimeout(timer);
        this.pinging = false;
      });
    } catch {
      // The session is going down anyway: its streams learn of it from Node.
    }
    if (!sent) {
      clearTimeout(timer);
      this.pinging = false;
    }
  }

  private cutShort(
    reason = "the server closed the connection before the response was complete",
  ): void {
    this.goingAway = true;
    for (const stream of this.streams) {
      if (stream.closed || stream.destroyed) continue;
      stream.destroy(Object.assign(new Error(reason), { code: "ECONNRESET" }));
    }
  }
}
