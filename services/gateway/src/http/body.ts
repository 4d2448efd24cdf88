import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { httpErrors } from "./errors.js";

const EMPTY = Buffer.alloc(0);

/** Where a read can be stopped from outside: a deadline or a client that went away. */
export interface Interruptible {
  /** Set while waiting; called (at most once) with the reason to stop. */
  interrupt: ((reason: unknown) => void) | undefined;
}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length above the limit is
 * refused before anything is read; otherwise reading stops at the first byte past the limit,
 * so no more than limit + one chunk is ever held. Rejects with 413 (HttpError) when too large,
 * or with the interrupt's reason when `owner` is interrupted. The owner must interrupt it when
 * the exchange closes (a failed or reset request body never ends): the pipeline does, so the
 * body itself needs no 'error' or 'close' listeners.
 */
export function readBody(
  body: Readable,
  headers: IncomingHttpHeaders,
  limit: number,
  owner: Interruptible,
): Promise<Buffer> {
  const declared = headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(httpErrors.bodyTooLarge(limit));
  }
  if (declared === "0" || body.readableEnded) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let settled = false;
    const cleanup = () => {
      settled = true;
      owner.interrupt = undefined;
      body.off("data", onData);
      body.off("end", onEnd);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      cleanup();
      body.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(httpErrors.bodyTooLarge(limit));
        return;
      }
      // Most bodies are one chunk: no array for them.
      if (first === undefined) first = chunk;
      else if (chunks === undefined) chunks = [first, chunk];
      else chunks.push(chunk);
    };
    const onEnd = () => {
      if (settled) return;
      cleanup();
      resolve(chunks !== undefined ? Buffer.concat(chunks, size) : (first ?? EMPTY));
    };
    owner.interrupt = fail;
    body.on("data", onData);
    body.on("end", onEnd);
  });
}
