import type { ClientRequestArgs, IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { dialHost } from "./connect.js";
import { type ExchangeAnswer, type ExchangeRequest, flattenHeaders } from "./exchange.js";

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A keep-alive pool whose connections come from our own TLS dialer, so HTTP/1.1 uses the same
 * TLS settings, timeouts and ALPN as HTTP/2, and the probe connection that found out the
 * server speaks HTTP/1.1 is used rather than thrown away.
 */
class DialingAgent extends Agent {
  private spare: TLSSocket | undefined;
  private closed = false;

  constructor(
    private readonly dial: () => Promise<TLSSocket>,
    idleMs: number,
  ) {
    super({ keepAlive: true, timeout: idleMs });
  }

  adopt(socket: TLSSocket): void {
    if (this.closed) socket.destroy();
    else if (this.spare !== undefined) socket.end();
    else {
      // Waiting for a request (which may never come: its caller may have given up) must not
      // keep the process alive.
      socket.unref();
      this.spare = socket;
    }
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (spare !== undefined && !spare.destroyed) return spare.ref();
    // Node takes the socket through the callback when this returns nothing.
    this.dial().then(
      (socket) => callback?.(null, socket),
      // Node looks at the error only; there is no stream to hand over.
      (err: unknown) => callback?.(toError(err), undefined as unknown as Duplex),
    );
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    if (this.closed) return false;
    super.keepSocketAlive(socket);
    return true;
  }

  close(): void {
    this.closed = true;
    this.spare?.destroy();
    this.spare = undefined;
    // Idle sockets go now; busy ones when their answer is read (keepSocketAlive says no).
    for (const sockets of Object.values(this.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }
}

/** HTTP/1.1 to one endpoint over a keep-alive pool. */
export class Http1Channel {
  private readonly agent: DialingAgent;

  constructor(
    private readonly url: URL,
    dial: () => Promise<TLSSocket>,
    idleMs: number,
  ) {
    this.agent = new DialingAgent(dial, idleMs);
  }

  /** Takes over a connection that negotiated HTTP/1.1. */
  adopt(socket: TLSSocket): void {
    this.agent.adopt(socket);
  }

  exchange(req: ExchangeRequest): Promise<ExchangeAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          agent: this.agent,
          protocol: "https:",
          hostname: dialHost(this.url),
          port: this.url.port,
          method: req.method,
          path: req.path,
          headers: req.headers,
          signal: req.signal,
        },
        (res: IncomingMessage) => {
          // Errors after the answer surface where the body is read; unread, they must not crash us.
          res.on("error", () => {});
          outgoing.on("error", () => {});
          outgoing.off("error", reject);
          resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: res });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.agent.close();
  }
}
