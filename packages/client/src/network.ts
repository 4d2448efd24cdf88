import type { NetworkFailure } from "./errors.js";

/** OpenSSL/Node codes for "the server's certificate is not one we trust". */
const UNTRUSTED_CERT_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const CODE_FAILURE: Readonly<Record<string, NetworkFailure>> = {
  ECONNREFUSED: "refused",
  ENOTFOUND: "unresolved",
  EAI_AGAIN: "unresolved",
  ETIMEDOUT: "timeout",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
  ERR_STREAM_PREMATURE_CLOSE: "reset",
};

/** Every `code` along an error's cause chain (a wrapped socket error keeps its code below). */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Sorts a transport error into what a user can act on. */
export function classifyNetworkError(err: unknown): NetworkFailure {
  for (const code of codesOf(err)) {
    if (UNTRUSTED_CERT_CODES.has(code)) return "untrusted-certificate";
    const failure = CODE_FAILURE[code];
    if (failure !== undefined) return failure;
    if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return "tls";
    // Stream resets, REFUSED_STREAM after a GOAWAY, a session gone: the connection's fault.
    if (code.startsWith("ERR_HTTP2_")) return "reset";
  }
  return "other";
}

/**
 * Whether a request that failed this way is worth sending again. Like kes-go: connection-level
 * failures may heal (a restarting server), certificate problems will not.
 */
export function isRetryable(failure: NetworkFailure): boolean {
  return failure === "refused" || failure === "timeout" || failure === "reset";
}

/** A one-line description of the failure, for error messages. */
export function describeFailure(failure: NetworkFailure, err: unknown): string {
  switch (failure) {
    case "refused":
      return "connection refused";
    case "unresolved":
      return "host name not found";
    case "timeout":
      return "timed out";
    case "reset":
      return "connection closed unexpectedly";
    case "untrusted-certificate":
      return `server certificate not trusted (${codesOf(err)[0] ?? "verification failed"})`;
    case "tls": {
      const code = codesOf(err).find((c) => c.startsWith("ERR_SSL_") || c.startsWith("ERR_TLS_"));
      return `TLS handshake failed (${code ?? "unknown reason"})`;
    }
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
