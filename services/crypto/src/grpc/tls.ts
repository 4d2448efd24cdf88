import { readFileSync } from "node:fs";
import { errors } from "@kes/core";

/**
 * Mutual TLS material between KES services. Each value is PEM text or the path of a PEM file:
 * `cert`/`key` identify this side, `ca` verifies the other side's certificate.
 */
export interface ServiceTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

export function loadTls(tls: ServiceTls): TlsMaterial {
  return {
    cert: pem(tls.cert, "tls.cert"),
    key: pem(tls.key, "tls.key"),
    ca: pem(tls.ca, "tls.ca"),
  };
}

function pem(value: string, what: string): Buffer {
  if (value.includes("-----BEGIN ")) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw errors.invalidArgument(`${what}: cannot read '${value}' (${code})`);
  }
}
