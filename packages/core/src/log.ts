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

/** pino's levels, most severe first; "silent" logs nothing. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The level to log at: `level` if given, else KES_LOG_LEVEL, else "info". Case and blanks are
 * forgiven; anything else is an Error naming where the value came from and what is valid
 * (pino's own message would not say which setting is wrong).
 */
export function resolveLogLevel(
  level: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LogLevel {
  const fromEnv = level === undefined;
  const raw = (fromEnv ? env.KES_LOG_LEVEL : level)?.trim() ?? "";
  if (raw === "") return "info";
  const wanted = raw.toLowerCase();
  const known = LOG_LEVELS.find((l) => l === wanted);
  if (known !== undefined) return known;
  const where = fromEnv ? "KES_LOG_LEVEL" : "log level";
  throw new Error(`${where} "${raw}" is not a log level; valid: ${LOG_LEVELS.join(", ")}`);
}

export interface LoggerOptions {
  readonly name?: string;
  readonly level?: string;
  readonly destination?: DestinationStream;
}

/** A structured (JSON lines) pino logger with secret fields redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = resolveLogLevel(options.level);
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
