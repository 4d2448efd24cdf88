import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";

/**
 * One request and its response, whichever protocol carried it. HTTP/2 streams are answered
 * through Node's core stream API (h2-exchange.ts: a response is one respond() and one write,
 * without the request/response compatibility objects, which cost a fifth of the CPU);
 * HTTP/1.1 through node:http's request and response (h1-exchange.ts). The pipeline, the
 * handlers and the observers see only this.
 */
export interface HttpExchange {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly url: string;
  /** The request headers (HTTP/2: with its pseudo-headers, as Node gives them). */
  readonly headers: IncomingHttpHeaders;
  /** The request body as it arrives. */
  readonly body: Readable;
  /**
   * True once the client has sent the whole request body (HTTP/2: ended its side of the
   * stream), whether or not it was read.
   */
  readonly bodyReceived: boolean;
  /** The connection's TLS socket; undefined once it is gone. */
  readonly socket: TLSSocket | undefined;
  /**
   * What lives exactly as long as the connection (the HTTP/2 session or the HTTP/1.1 socket):
   * per-connection facts such as the client's identity are cached on it.
   */
  readonly connection: object;
  /** True once the status line is out. */
  readonly headersSent: boolean;
  /** True when nothing more can be written: the response ended or the client went away. */
  readonly done: boolean;
  /** Bytes written but not yet taken by the connection (streamed responses). */
  readonly writableLength: number;

  /**
   * A whole answer in one go. `headers` is taken over (the HTTP/2 side adds its `:status` to
   * it). HEAD requests get the head only.
   */
  respond(status: number, headers: Record<string, string>, body: string): void;
  /** Starts a streamed 200: the head goes out now, the body with write() and end(). */
  begin(headers: Record<string, string>): void;
  /** Writes part of a streamed body; false when the caller should wait for drained(). */
  write(chunk: string): boolean;
  /** Ends a streamed body, with a last chunk if given. */
  end(chunk?: string): void;
  /** Resolves once the response can take more data, or is gone. */
  drained(): Promise<void>;
  /** Drops the response: HTTP/2 resets just this stream (CANCEL), HTTP/1.1 closes the connection. */
  cancel(): void;
  /**
   * The rest of the request body will not be read (it was refused): HTTP/2 resets the stream
   * once the answer is out, HTTP/1.1 closes the connection after the answer.
   */
  stopReading(): void;
  /**
   * Calls `listener` once when the exchange closes: the response was sent, or the client went
   * away first. Only one listener is supported (the pipeline's).
   */
  onClose(listener: () => void): void;
}
