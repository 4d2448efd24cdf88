import { STATUS_CODES } from "node:http";
import type { Readable } from "node:stream";
import type { Deadline } from "./deadline.js";
import { KesApiError, KesNetworkError, KesProtocolError } from "./errors.js";
import { WireError } from "./wire.js";

/** Largest success or error body read into memory (kes-go's limit). */
export const MAX_BODY = 1 << 20;

/** The detail of a KesNetworkError for a connection that broke while an answer was read. */
export const READ_BROKEN = "connection broke while reading the response";

/** Longest error text shown as it is; KES's own messages are far shorter. */
const MAX_MESSAGE = 500;

/**
 * One HTTP answer. Reading its body is still bound by the request's deadline, and failures
 * while reading become the client's error types.
 */
export class KesResponse {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    private readonly body: Readable,
    private readonly deadline: Deadline,
    /** The request this answers, for messages about it. */
    readonly request: { readonly method: string; readonly path: string },
  ) {}

  /** The media type without parameters, lower-cased ("" when absent). */
  get contentType(): string {
    return (this.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  }

  async bytes(limit = MAX_BODY): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) {
          this.body.destroy();
          throw new KesProtocolError(
            `response from ${this.endpoint} is larger than ${limit} bytes`,
            this.endpoint,
          );
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw this.readError(err);
    }
    return Buffer.concat(chunks);
  }

  async text(limit = MAX_BODY): Promise<string> {
    return (await this.bytes(limit)).toString("utf8");
  }

  async json(limit = MAX_BODY): Promise<unknown> {
    const text = await this.text(limit);
    try {
      return JSON.parse(text);
    } catch {
      throw new KesProtocolError(`response from ${this.endpoint} is not valid JSON`, this.endpoint);
    }
  }

  /** Lines of an nd-json body as they arrive; each at most `limit` bytes. */
  async *lines(limit = MAX_BODY): AsyncGenerator<string> {
    let pending = "";
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        pending += chunk.toString("utf8");
        let nl = pending.indexOf("\n");
        while (nl >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, "");
          pending = pending.slice(nl + 1);
          if (line.trim() !== "") yield line;
          nl = pending.indexOf("\n");
        }
        if (pending.length > limit) {
          throw new KesProtocolError(
            `a line of the response from ${this.endpoint} is longer than ${limit} bytes`,
            this.endpoint,
          );
        }
      }
    } catch (err) {
      this.body.destroy();
      throw this.readError(err);
    }
    if (pending.trim() !== "") yield pending;
  }

  /** From now on reading the body has no time limit (endless streams); the caller's signal stays. */
  releaseDeadline(): void {
    this.deadline.release();
  }

  /** Reads and discards the body so the connection can be reused. */
  async discard(): Promise<void> {
    let size = 0;
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        // Not worth reading on: leaving the loop drops the stream (and its connection).
        if (size > MAX_BODY) break;
      }
    } catch {
      // Nothing to report: the body was unwanted.
    }
  }

  /**
   * The error a non-200 answer stands for: the server's `message`, or its body text. KES never
   * redirects, so a 3xx says where the server sent the request; an answer without any text
   * says so (`withoutMessage`), as a server that is not KES answers unknown paths.
   */
  async apiError(): Promise<KesApiError> {
    if (this.status >= 300 && this.status < 400) {
      await this.discard();
      const location = this.headers.location?.trim() || "nowhere (no Location header)";
      const { method, path } = this.request;
      return new KesApiError(
        this.status,
        `the server redirected ${method} ${path} to ${location} (${this.statusLine}) ` +
          "instead of answering it",
        this.endpoint,
      );
    }
    const text = await this.text().catch(() => "");
    let message = text.trim();
    if (this.contentType === "application/json") {
      try {
        const json = JSON.parse(text) as { message?: unknown; error?: unknown };
        if (typeof json.message === "string") message = json.message;
        else if (typeof json.error === "string") message = json.error;
      } catch {
        // Not JSON after all (KES 2023 does not escape its messages): keep the text.
      }
    }
    // KES answers errors as JSON or plain text; a web page (a proxy's or another server's error
    // page) is named, not printed.
    const type = this.contentType;
    const page =
      (type !== "" && type !== "application/json" && type !== "text/plain") ||
      message.startsWith("<");
    if (message !== "" && !page) {
      const short =
        message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… (cut)` : message;
      return new KesApiError(this.status, short, this.endpoint);
    }
    const what = page ? `with a ${type === "" ? "markup" : type} page instead of` : "without";
    return new KesApiError(
      this.status,
      `the server answered ${this.statusLine} ${what} a KES error message`,
      this.endpoint,
      { withoutMessage: true },
    );
  }

  /** "404 Not Found"; the number alone for a status Node has no name for. */
  private get statusLine(): string {
    const reason = STATUS_CODES[this.status];
    return reason === undefined ? String(this.status) : `${this.status} ${reason}`;
  }

  /** Turns a shape mismatch found by a wire decoder into a protocol error for this endpoint. */
  decode<T>(decoder: () => T): T {
    try {
      return decoder();
    } catch (err) {
      if (err instanceof WireError) {
        throw new KesProtocolError(
          `unexpected response from ${this.endpoint}: ${err.message}`,
          this.endpoint,
        );
      }
      throw err;
    }
  }

  private readError(err: unknown): Error {
    if (err instanceof KesProtocolError || err instanceof KesNetworkError) return err;
    const stop = this.deadline.stopError(this.endpoint, err);
    if (stop !== undefined) return stop;
    return new KesNetworkError(
      "reset",
      this.endpoint,
      `connection to ${this.endpoint} broke while reading the response`,
      { cause: err, detail: READ_BROKEN },
    );
  }
}
