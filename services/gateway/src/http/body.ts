import { httpErrors } from "./errors.js";
import type { Request } from "./types.js";

const EMPTY = Buffer.alloc(0);

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length above the limit is
 * refused before anything is read; otherwise reading stops at the first byte past the limit,
 * so no more than limit + one chunk is ever held. Rejects with 413 (HttpError) when too large,
 * or with the signal's reason when the request is aborted or times out.
 */
export function readBody(req: Request, limit: number, signal: AbortSignal): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(httpErrors.bodyTooLarge(limit));
  }
  if (declared === "0" || req.readableEnded) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      signal.removeEventListener("abort", onAbort);
    };
    const fail = (err: unknown) => {
      cleanup();
      req.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(httpErrors.bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => {
      if (!req.readableEnded) fail(new Error("client closed the request"));
    };
    const onAbort = () => fail(signal.reason);
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
