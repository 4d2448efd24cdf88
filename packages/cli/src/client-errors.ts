import { KesApiError, KesNetworkError, KesProtocolError, READ_BROKEN } from "@kes/client";
import { isKesError } from "@kes/core";
import { CliError } from "./errors.js";

/** What went wrong talking to the server, and what the user should check. */
function networkMessage(err: KesNetworkError): string {
  // The server was answering, then the connection went: not a connection problem to debug.
  if (err.detail === READ_BROKEN) return `lost the connection to ${err.endpoint}: ${err.detail}`;
  const problem = `cannot connect to ${err.endpoint}: ${err.detail}`;
  switch (err.failure) {
    case "refused":
    case "timeout":
      return `${problem}. Is the KES server running at that address? (KES_SERVER sets it)`;
    case "unresolved":
      return `${problem}. Check the host name in KES_SERVER`;
    case "untrusted-certificate":
      return `${problem}. If the server uses a self-signed certificate, add -k (--insecure)`;
    case "tls":
      return (
        `${problem}. Check the client credentials (KES_CLIENT_CERT and KES_CLIENT_KEY, or ` +
        "KES_API_KEY): the server may not accept the certificate"
      );
    case "reset":
      return `${problem}. Is it a KES server speaking HTTPS, and does it accept the client certificate?`;
    default:
      return problem;
  }
}

/** Where the CLI took the server address from, for hints that name the setting. */
export type ServerSource = "--server" | "KES_SERVER" | "default";

/** A hint for an answer without a KES error message: the address may not be a KES server. */
function notKesHint(endpoint: string, source: ServerSource): string {
  switch (source) {
    case "--server":
      return `is --server ${endpoint} a KES server?`;
    case "KES_SERVER":
      return `is KES_SERVER=${endpoint} a KES server?`;
    default:
      return `is ${endpoint} (the default, KES_SERVER is not set) a KES server?`;
  }
}

/**
 * Client failures as the CLI prints them. A server error is its own message (`key already
 * exists`), exactly as KES sent it; network errors say what to check, and so does an answer
 * without any KES error message (`source`: where the server address came from).
 */
export function toCliError(err: unknown, source: ServerSource = "KES_SERVER"): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof KesApiError) {
    if (!err.withoutMessage) return new CliError(err.message);
    return new CliError(`${err.message} (${notKesHint(err.endpoint, source)})`);
  }
  if (err instanceof KesNetworkError) return new CliError(networkMessage(err));
  if (err instanceof KesProtocolError) return new CliError(err.message);
  if (isKesError(err, "invalid_argument")) return new CliError(err.message);
  return err;
}
