import { errors } from "@kes/core";
import type { TlsMaterial } from "./transport.js";

export interface CredentialOptions {
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly apiKey?: string;
  readonly ca?: string;
  readonly insecure?: boolean;
}

/** Refuses contradictory or half-given credentials (KES CLI §9.2: API key XOR cert + key). */
export function checkCredentials(options: CredentialOptions): void {
  const hasCert = options.certPem !== undefined;
  const hasKey = options.keyPem !== undefined;
  if (options.apiKey !== undefined && (hasCert || hasKey)) {
    throw errors.invalidArgument(
      "give either an API key or a client certificate and private key, not both",
    );
  }
  if (hasCert && !hasKey)
    throw errors.invalidArgument("a client certificate needs its private key");
  if (hasKey && !hasCert)
    throw errors.invalidArgument("a private key needs its client certificate");
  if (options.apiKey !== undefined && options.apiKey.trim() === "") {
    throw errors.invalidArgument("the API key is empty");
  }
}

/**
 * The TLS material of a client. An API key never reaches the server: like kes-go, the client
 * derives a self-signed certificate from it and authenticates with mTLS.
 */
export async function resolveTls(options: CredentialOptions): Promise<TlsMaterial> {
  const base = {
    insecure: options.insecure === true,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  };
  if (options.apiKey !== undefined) {
    // Loaded on demand: the X.509 library is the slowest part of a CLI start.
    const { certificateFromApiKey } = await import("@kes/identity");
    const { certPem, keyPem } = await certificateFromApiKey(options.apiKey.trim());
    return { ...base, certPem, keyPem };
  }
  if (options.certPem !== undefined && options.keyPem !== undefined) {
    return { ...base, certPem: options.certPem, keyPem: options.keyPem };
  }
  return base;
}
