import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { HttpExchange } from "./exchange.js";

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = constants;
const END_STREAM = { endStream: true } as const;

function ignore(): void {}

/** An HTTP/2 request answered through Node's core stream API. */
export class H2Exchange implements HttpExchange {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly #stream: ServerHttp2Stream;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders) {
    this.#stream = stream;
    this.headers = headers;
    this.method = headers[":method"] ?? "GET";
    this.url = headers[":path"] ?? "/";
    // A reset or broken stream is reported as 'close' to whoever waits on it; without an
    // 'error' listener the error event would be thrown instead.
    stream.on("error", ignore);
  }

  get body(): Readable {
    return this.#stream;
  }

  get bodyReceived(): boolean {
    const stream = this.#stream;
    return stream.readableEnded || stream.state.remoteClose === 1;
  }

  get socket(): TLSSocket | undefined {
    return this.#stream.session?.socket as TLSSocket | undefined;
  }

  get connection(): object {
    return this.#stream.session ?? this.#stream;
  }

  get headersSent(): boolean {
    return this.#stream.headersSent;
  }

  get done(): boolean {
    const stream = this.#stream;
    return stream.destroyed || stream.closed || stream.writableEnded;
  }

  get writableLength(): number {
    return this.#stream.writableLength;
  }

  respond(status: number, headers: Record<string, string>, body: string): void {
    const stream = this.#stream;
    if (stream.destroyed || stream.closed || stream.headersSent) return;
    (headers as Record<string, string | number>)[":status"] = status;
    if (body === "" || this.method === "HEAD") {
      stream.respond(headers, END_STREAM);
      return;
    }
    stream.respond(headers);
    // The end goes out once the body is written. Ending at once lets the stream close before
    // the write completes, and Node 20 then builds an ERR_STREAM_DESTROYED for nobody on
    // every response (measured: 13 % of a minimal server's CPU).
    stream.write(body, () => stream.end());
  }

  begin(headers: Record<string, string>): void {
    const stream = this.#stream;
    if (stream.destroyed || stream.closed || stream.headersSent) return;
    (headers as Record<string, string | number>)[":status"] = 200;
    stream.respond(headers);
  }

  write(chunk: string): boolean {
    return this.#stream.write(chunk);
  }

  end(chunk?: string): void {
    if (chunk === undefined) this.#stream.end();
    else this.#stream.end(chunk);
  }

  drained(): Promise<void> {
    const stream = this.#stream;
    return new Promise((resolve) => {
      const done = () => {
        stream.off("drain", done);
        stream.off("close", done);
        resolve();
      };
      stream.on("drain", done);
      stream.on("close", done);
    });
  }

  cancel(): void {
    this.#stream.close(NGHTTP2_CANCEL);
  }

  stopReading(): void {
    const stream = this.#stream;
    stream.once("finish", () => stream.close(NGHTTP2_NO_ERROR));
  }

  onClose(listener: () => void): void {
    this.#stream.on("close", listener);
  }
}
