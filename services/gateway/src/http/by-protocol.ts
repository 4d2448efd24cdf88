import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2SecureServer, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";

export interface ProtocolListeners {
  /** Each HTTP/2 stream, through Node's core stream API. */
  readonly http2: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;
  /** Each HTTP/1.1 request (the server's allowHTTP1 fallback). */
  readonly http1: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Listens for HTTP/2 streams and HTTP/1.1 requests separately. Node routes every HTTP/2 stream
 * through its request/response compatibility layer as soon as a 'request' listener exists
 * (it adds a 'stream' listener of its own when the first one is added); that layer costs a
 * fifth of the CPU of a request. 'request' is needed for HTTP/1.1 only, so whatever 'stream'
 * listener Node added is removed and ours answers HTTP/2 alone (by-protocol.test.ts pins this).
 */
export function answerByProtocol(server: Http2SecureServer, listeners: ProtocolListeners): void {
  server.on("request", listeners.http1 as (...args: unknown[]) => void);
  for (const listener of server.listeners("stream")) {
    server.off("stream", listener as (...args: unknown[]) => void);
  }
  server.on("stream", listeners.http2);
}
