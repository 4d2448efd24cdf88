import { KesApiError, KesNetworkError, KesProtocolError } from "@kes/client";
import { isKesError } from "@kes/core";
import { CliError } from "./errors.js";

/** What went wrong talking to the server, and what the user should check. */
function networkMessage(err: KesNetworkError): string {
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

/**
 * Client failures as the CLI prints them. A server error is its own message (`key already
 * exists`), exactly as KES sent it; network errors say what to check.
 */
export function toCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof KesApiError) return new CliError(err.message);
  if (err instanceof KesNetworkError) return new CliError(networkMessage(err));
  if (err instanceof KesProtocolError) return new CliError(err.message);
  if (isKesError(err, "invalid_argument")) return new CliError(err.message);
  return err;
}
