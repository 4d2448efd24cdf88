import { ERROR_TABLE, KesError } from "@kes/core";

/**
 * A protocol-level failure that is not a domain error: wrong method, unknown path, body too
 * large, malformed request target. Domain errors stay KesErrors (ERROR_TABLE decides them).
 */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const httpErrors = {
  methodNotAllowed: (expected: string) =>
    new HttpError(405, "Method Not Allowed", { accept: expected }),
  notImplemented: () => new HttpError(501, "not implemented"),
  bodyTooLarge: (limit: number) =>
    new HttpError(413, `request body too large: this API accepts at most ${limit} bytes`),
  badTarget: () => new HttpError(400, "invalid request: the URL path is not validly encoded"),
};

export interface ErrorReply {
  readonly status: number;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the cause is not a client-facing error and must be logged in full. */
  readonly unexpected: boolean;
}

const NO_HEADERS: Readonly<Record<string, string>> = {};

/**
 * THE place errors become HTTP answers: KesErrors through ERROR_TABLE, protocol errors as they
 * are, anything else as a generic 500 that says nothing about internals.
 */
export function errorReply(err: unknown): ErrorReply {
  if (err instanceof HttpError) {
    return { status: err.status, message: err.message, headers: err.headers, unexpected: false };
  }
  if (err instanceof KesError && err.kind !== "internal") {
    const row = ERROR_TABLE[err.kind];
    return { status: row.http, message: err.message, headers: NO_HEADERS, unexpected: false };
  }
  const row = ERROR_TABLE.internal;
  return { status: row.http, message: row.message, headers: NO_HEADERS, unexpected: true };
}
