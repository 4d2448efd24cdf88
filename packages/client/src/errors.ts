import { ERROR_TABLE, type ErrorKind } from "@kes/core";

/** KES texts older servers (v0.17 and before) answer with, mapped to today's kinds. */
const LEGACY_MESSAGES: Readonly<Record<string, ErrorKind>> = {
  "prohibited by policy": "not_authorized",
  "key does already exist": "key_exists",
};

/** The domain error kind a KES status + message stands for, if it is one of KES's fixed texts. */
export function kindOfApiError(status: number, message: string): ErrorKind | undefined {
  const legacy = LEGACY_MESSAGES[message];
  if (legacy !== undefined && ERROR_TABLE[legacy].http === status) return legacy;
  for (const [kind, info] of Object.entries(ERROR_TABLE) as [
    ErrorKind,
    { http: number; message: string },
  ][]) {
    if (info.http === status && info.message === message) return kind;
  }
  return undefined;
}

/**
 * The server answered with a status other than 200. `message` is the server's own text: the
 * `message` field of a JSON error body, or the body text otherwise; for a redirect, or an
 * answer without any text, the client says what happened.
 */
export class KesApiError extends Error {
  override readonly name = "KesApiError";
  /** The KES error this is, when the message is one of KES's fixed texts. */
  readonly kind: ErrorKind | undefined;
  /**
   * The answer carried no error text (no KES message, empty body), so `message` is the
   * client's description of the status: likely not a KES server at all.
   */
  readonly withoutMessage: boolean;

  constructor(
    readonly status: number,
    message: string,
    /** The server that answered. */
    readonly endpoint: string,
    options?: { readonly withoutMessage?: boolean },
  ) {
    super(message);
    this.withoutMessage = options?.withoutMessage === true;
    this.kind = this.withoutMessage ? undefined : kindOfApiError(status, message);
  }
}

/** Why a request never got an answer. */
export type NetworkFailure =
  /** Nothing listens at the address. */
  | "refused"
  /** The host name does not resolve. */
  | "unresolved"
  /** No answer within the deadline. */
  | "timeout"
  /** The connection broke (reset, closed early). */
  | "reset"
  /** The server's certificate is not trusted (self-signed, unknown CA, wrong name, expired). */
  | "untrusted-certificate"
  /** Another TLS failure, e.g. the server refused our client certificate. */
  | "tls"
  | "other";

/** A request that never got an HTTP answer from any endpoint. */
export class KesNetworkError extends Error {
  override readonly name = "KesNetworkError";
  /** What went wrong, without the endpoint (e.g. "connection refused"). */
  readonly detail: string;

  constructor(
    readonly failure: NetworkFailure,
    /** The server we could not talk to. */
    readonly endpoint: string,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options?.detail ?? message;
  }
}

/** The server answered 200 with a body this client cannot read. */
export class KesProtocolError extends Error {
  override readonly name = "KesProtocolError";

  constructor(
    message: string,
    readonly endpoint: string,
  ) {
    super(message);
  }
}
