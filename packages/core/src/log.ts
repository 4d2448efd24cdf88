import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Field names whose values never reach a log line: key material, ciphertexts, tokens and
 * credentials. Code should not log them in the first place; this is the safety net.
 */
const SECRET_FIELDS = [
  "key",
  "keys",
  "bytes",
  "value",
  "material",
  "plaintext",
  "ciphertext",
  "context",
  "token",
  "jwt",
  "refresh_token",
  "password",
  "secret",
  "authorization",
  "apiKey",
  "api_key",
];

const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  "req.headers.authorization",
  "headers.authorization",
];

export interface LoggerOptions {
  readonly name?: string;
  readonly level?: string;
  readonly destination?: DestinationStream;
}

/** A structured (JSON lines) pino logger with secret fields redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.KES_LOG_LEVEL ?? "info";
  const base = {
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...(options.name === undefined ? {} : { name: options.name }),
  };
  return options.destination === undefined
    ? pino(base, pino.destination({ dest: 2, sync: false }))
    : pino(base, options.destination);
}

/** A logger that drops everything (tests, libraries without a logger). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
