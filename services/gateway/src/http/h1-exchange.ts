import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { HttpExchange } from "./exchange.js";
import { originForm } from "./paths.js";

/**
 * An HTTP/1.1 request answered through node:http. Once the server is closing (or a reload
 * asked this connection to end: fewer client CAs), every answer
 * carries `Connection: close`, so a keep-alive client's connection ends after the response it
 * is waiting for instead of lingering until the grace period cuts it.
 */
export class H1Exchange implements HttpExchange {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #closing: (socket: Socket) => boolean;

  /** `closing(socket)`: true when this connection is to end after its answer. */
  constructor(req: IncomingMessage, res: ServerResponse, closing: (socket: Socket) => boolean) {
    this.#req = req;
    this.#res = res;
    this.#closing = closing;
  }

  get method(): string {
    return this.#req.method ?? "GET";
  }

  /** The target in origin form: an absolute-form target's scheme and authority are dropped. */
  get url(): string {
    return originForm(this.#req.url ?? "/");
  }

  get headers(): IncomingHttpHeaders {
    return this.#req.headers;
  }

  get body(): Readable {
    return this.#req;
  }

  get bodyReceived(): boolean {
    return this.#req.complete;
  }

  get socket(): TLSSocket | undefined {
    return (this.#req.socket as TLSSocket | null) ?? undefined;
  }

  get connection(): object {
    return this.#req.socket;
  }

  get headersSent(): boolean {
    return this.#res.headersSent;
  }

  get done(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  get writableLength(): number {
    return this.#res.writableLength;
  }

  respond(status: number, headers: Record<string, string>, body: string): void {
    const res = this.#res;
    if (res.headersSent || res.writableEnded) return;
    res.writeHead(status, this.#head(headers));
    res.end(body);
  }

  begin(headers: Record<string, string>): void {
    const res = this.#res;
    if (res.headersSent || res.writableEnded) return;
    res.writeHead(200, this.#head(headers));
    res.flushHeaders();
  }

  write(chunk: string): boolean {
    return this.#res.write(chunk);
  }

  end(chunk?: string): void {
    const res = this.#res;
    // A streamed answer whose head went out before the server began closing did not say
    // `Connection: close`; its connection is ended after it instead of lingering idle.
    if (this.#closing(this.#req.socket)) {
      res.once("finish", () => this.#req.socket.end());
    }
    if (chunk === undefined) res.end();
    else res.end(chunk);
  }

  drained(): Promise<void> {
    const res = this.#res;
    return new Promise((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }

  cancel(): void {
    this.#res.destroy();
  }

  stopReading(): void {
    if (!this.#res.headersSent) this.#res.setHeader("connection", "close");
  }

  onClose(listener: () => void): void {
    this.#res.on("close", listener);
  }

  #head(headers: Record<string, string>): Record<string, string> {
    if (this.#closing(this.#req.socket)) headers["connection"] = "close";
    return headers;
  }
}
