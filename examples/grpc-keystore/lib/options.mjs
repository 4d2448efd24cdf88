// Command-line flags of server.mjs and health-check.mjs. Anything wrong is a UsageError that
// names the flag; the programs print it with the usage text and exit with status 2.

import { parseArgs } from "node:util";
import { DEFAULT_PROTO_DIR } from "./protos.mjs";

export const DEFAULT_PORT = 7374;

export const SERVER_USAGE = `usage: node server.mjs (--memory | --file PATH) [options]

A KES keystore plug-in: serves kes.keystore.v1.KeyStoreService and grpc.health.v1.Health.

  --memory           keep values in memory (lost when the process stops)
  --file PATH        keep values in one JSON file (created if missing)
  --host HOST        address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --port N           port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --cert FILE        server certificate (PEM): serve TLS instead of plaintext HTTP/2
  --key FILE         the certificate's private key (PEM)
  --ca FILE          CA certificate(s) (PEM): require client certificates issued by them
  --proto-dir DIR    the KES proto/ directory (default: $KES_PROTO_DIR, else ${DEFAULT_PROTO_DIR})
  -h, --help         show this text

Prints "listening on HOST:PORT" on stdout once it serves; logs go to stderr.
Stops gracefully on SIGTERM or SIGINT.`;

export const CHECK_USAGE = `usage: node health-check.mjs [options]

Asks a keystore plug-in's grpc.health.v1.Health service for its status, prints it, and exits
with 0 if it is SERVING, 1 if not (or it cannot be reached).

  --addr HOST:PORT   the service (default 127.0.0.1:${DEFAULT_PORT})
  --service NAME     the service to ask about (default "", the server as a whole)
  --ca FILE          CA certificate (PEM) of the server: connect with TLS
  --cert FILE        client certificate (PEM), for a server that requires one
  --key FILE         the client certificate's private key (PEM)
  --timeout-ms N     deadline of the call (default 5000)
  --proto-dir DIR    the KES proto/ directory (default: $KES_PROTO_DIR, else ${DEFAULT_PROTO_DIR})
  -h, --help         show this text`;

export class UsageError extends Error {}

const TLS_FLAGS = {
  cert: { type: "string" },
  key: { type: "string" },
  ca: { type: "string" },
};

const COMMON_FLAGS = {
  "proto-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
};

function parse(argv, options) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(err.message);
  }
}

function protoDir(values, env) {
  const dir = values["proto-dir"] ?? env.KES_PROTO_DIR ?? DEFAULT_PROTO_DIR;
  if (dir === "") throw new UsageError("--proto-dir is empty");
  return dir;
}

function integer(text, flag, min, max) {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

function nonEmpty(values, flag) {
  const value = values[flag];
  if (value === "") throw new UsageError(`--${flag} is empty`);
  return value;
}

export function parseServerOptions(argv, env) {
  const values = parse(argv, {
    memory: { type: "boolean" },
    file: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    ...TLS_FLAGS,
    ...COMMON_FLAGS,
  });
  if (values.help) return { help: true };
  const file = nonEmpty(values, "file");
  if ((values.memory === true) === (file !== undefined)) {
    throw new UsageError("choose where values live: --memory or --file PATH (exactly one)");
  }
  const [cert, key, ca] = ["cert", "key", "ca"].map((flag) => nonEmpty(values, flag));
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("--cert and --key go together: a certificate needs its private key");
  }
  if (ca !== undefined && cert === undefined) {
    throw new UsageError("--ca (client certificates) needs --cert and --key: mTLS needs TLS");
  }
  return {
    help: false,
    file,
    host: nonEmpty(values, "host") ?? "127.0.0.1",
    port: integer(values.port ?? String(DEFAULT_PORT), "--port", 0, 65535),
    tls: cert === undefined ? undefined : { cert, key, ...(ca === undefined ? {} : { ca }) },
    protoDir: protoDir(values, env),
  };
}

export function parseCheckOptions(argv, env) {
  const values = parse(argv, {
    addr: { type: "string" },
    service: { type: "string" },
    "timeout-ms": { type: "string" },
    ...TLS_FLAGS,
    ...COMMON_FLAGS,
  });
  if (values.help) return { help: true };
  const [cert, key, ca] = ["cert", "key", "ca"].map((flag) => nonEmpty(values, flag));
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("--cert and --key go together: a certificate needs its private key");
  }
  const tls =
    cert === undefined && ca === undefined
      ? undefined
      : { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert, key }) };
  return {
    help: false,
    addr: nonEmpty(values, "addr") ?? `127.0.0.1:${DEFAULT_PORT}`,
    service: values.service ?? "",
    timeoutMs: integer(values["timeout-ms"] ?? "5000", "--timeout-ms", 1, 600_000),
    tls,
    protoDir: protoDir(values, env),
  };
}
