import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { InternalTlsConfig, KesConfig, ServicesConfig } from "@kes/config";
import { createLogger, type Logger } from "@kes/core";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { tuneHeap } from "./heap.js";

/** The flags every split service takes. */
export interface ServiceFlags {
  readonly config?: string;
  readonly insecureInternal?: boolean;
}

/** How long in-flight requests or calls may take to finish after SIGINT/SIGTERM. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** What a split service works from: the config, its logger and the internal TLS (or none). */
export interface ServiceSetup extends ServicesSetup {
  readonly logger: Logger;
  readonly version: string;
}

/** The config and the internal TLS it decides, for a service or a probe of one. */
export interface ServicesSetup {
  readonly config: KesConfig;
  readonly services: ServicesConfig;
  /** undefined only with --insecure-internal. */
  readonly tls: InternalTlsConfig | undefined;
}

/** The TLS file settings of the keystore backends (CipherTrust's CA, a gRPC plug-in's TLS). */
export const KEYSTORE_TLS_FILES = ["keystore.gemalto.keysecure.tls.", "keystore.grpc.tls."];

/** The TLS file settings `kes server` reads: the HTTPS server's and its keystore's. */
export const SERVER_TLS_FILES = ["tls.", ...KEYSTORE_TLS_FILES];

/** The TLS file settings each split command reads, besides services.tls. */
const TLS_FILES: Readonly<Record<string, readonly string[]>> = {
  gateway: ["tls."],
  keystore: KEYSTORE_TLS_FILES,
};

/**
 * Checks the config's TLS files under `prefixes` before anything starts, so a missing or
 * unreadable one is `file:line: key: ...` like every other config error.
 */
export async function checkTlsFiles(config: KesConfig, prefixes: readonly string[]): Promise<void> {
  const { ConfigError, checkConfigFiles } = await import("@kes/config");
  try {
    await checkConfigFiles(config, prefixes);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * Loads the config and decides the internal TLS. Key material crosses the network between the
 * services, so without `services.tls` a service refuses to start unless told
 * `--insecure-internal`, which is then announced loudly.
 */
export async function loadServices(
  command: string,
  flags: ServiceFlags,
  io: CliIo,
): Promise<ServicesSetup> {
  if (flags.config === undefined) {
    throw new CliError(`no config file: use kes ${command} --config <file>`);
  }
  const { ConfigError, loadConfig, SERVICES_DEFAULTS } = await import("@kes/config");
  let config: KesConfig;
  try {
    config = await loadConfig(flags.config, { env: io.env as NodeJS.ProcessEnv });
  } catch (err) {
    // Already `file:line: path: what is wrong`.
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const services = config.services ?? SERVICES_DEFAULTS;
  const tls = flags.insecureInternal === true ? undefined : services.tls;
  if (flags.insecureInternal === true) {
    io.stderr.write(
      "WARNING: --insecure-internal: internal gRPC WITHOUT TLS. Key material crosses the network " +
        "in plaintext and any peer can call this service. For local debugging only.\n",
    );
  } else if (tls === undefined) {
    throw new CliError(
      `${flags.config}: services.tls: missing: kes ${command} needs the internal CA and its own ` +
        "certificate and key (services.tls.ca, .cert, .key; kes tool certs internal makes them), " +
        "or --insecure-internal for local debugging",
    );
  }
  await checkTlsFiles(config, [
    ...(TLS_FILES[command] ?? []),
    ...(tls === undefined ? [] : ["services.tls."]),
  ]);
  return { config, services, tls };
}

/** `loadServices` for a service that starts: plus its logger (config warnings logged). */
export async function setUpService(
  name: "gateway" | "crypto" | "keystore",
  flags: ServiceFlags,
  io: CliIo,
): Promise<ServiceSetup> {
  tuneHeap();
  const { config, services, tls } = await loadServices(name, flags, io);
  if (tls !== undefined) await checkOwnRole(tls, name, flags.config as string);
  const { formatConfigWarning } = await import("@kes/config");
  const logger = createLogger({
    name: `kes-${name}`,
    ...(config.log.error ? {} : { level: "fatal" }),
  });
  for (const warning of config.warnings) {
    logger.warn(formatConfigWarning(flags.config as string, warning));
  }
  if (tls === undefined) logger.warn("internal gRPC without TLS (--insecure-internal)");
  return { config, services, tls, logger, version: await cliVersion() };
}

/**
 * A service started with another service's certificate would only be refused by its peers
 * (a gateway then reports the crypto service as unreachable): say so at startup instead.
 */
async function checkOwnRole(
  tls: InternalTlsConfig,
  name: "gateway" | "crypto" | "keystore",
  configFile: string,
): Promise<void> {
  let subject: string;
  try {
    subject = new X509Certificate(await readFile(tls.cert)).subject;
  } catch {
    return; // Not a certificate: the TLS setup reports it, naming the file.
  }
  const { SERVICE_ROLES } = await import("@kes/keystore-service");
  const names = subject
    .split("\n")
    .filter((line) => line.startsWith("CN="))
    .map((line) => line.slice(3));
  if (names.length === 1 && names[0] === name) return;
  const carries =
    names.length === 1 && (SERVICE_ROLES as readonly string[]).includes(names[0] as string)
      ? `the ${names[0]} service's certificate`
      : `a certificate without a service role (subject ${subject.replaceAll("\n", ", ") || "empty"})`;
  throw new CliError(
    `${configFile}: services.tls.cert: ${tls.cert} is ${carries}; kes ${name} needs its own, ` +
      `with the subject CN=${name} (kes tool certs internal makes one for each service)`,
  );
}

async function cliVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    return String(pkg.version ?? "<unknown>");
  } catch {
    return "<unknown>";
  }
}

/** Why a listener could not start, in words an operator can act on. */
export function listenError(err: unknown, address: string): unknown {
  const text = `${(err as NodeJS.ErrnoException).code ?? ""} ${err instanceof Error ? err.message : ""}`;
  if (text.includes("EADDRINUSE")) {
    return new CliError(`cannot listen on ${address}: the address is already in use`);
  }
  if (text.includes("EACCES"))
    return new CliError(`cannot listen on ${address}: permission denied`);
  if (text.includes("EADDRNOTAVAIL")) {
    return new CliError(`cannot listen on ${address}: no network interface has that IP address`);
  }
  return err;
}

/**
 * How long after the first signal another one still counts as the same. Ctrl-C in a terminal
 * signals the whole foreground process group, so under `pnpm start` kes gets SIGINT from the
 * terminal and again from pnpm passing its own on, a few milliseconds apart.
 */
export const SIGNAL_DEBOUNCE_MS = 1_000;

/** What untilSignal listens on and how it ends the process (tests pass their own). */
export interface SignalHost {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  now(): number;
}

const PROCESS_HOST: SignalHost = {
  on: (signal, listener) => process.on(signal, listener),
  off: (signal, listener) => process.off(signal, listener),
  exit: (code) => process.exit(code),
  now: () => performance.now(),
};

/**
 * Resolves on the first SIGINT or SIGTERM. A later one (a deliberate second Ctrl-C) exits at
 * once without waiting for in-flight work; one within SIGNAL_DEBOUNCE_MS of the first is the
 * same Ctrl-C delivered twice and is ignored.
 */
export function untilSignal(
  logger: Logger,
  host: SignalHost = PROCESS_HOST,
): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      host.off("SIGINT", onSignal);
      host.off("SIGTERM", onSignal);
      const first = host.now();
      const again = (next: NodeJS.Signals) => {
        if (host.now() - first < SIGNAL_DEBOUNCE_MS) {
          logger.debug({ signal: next }, "signal repeated within 1 s of the first: ignored");
          return;
        }
        logger.warn("second signal: exiting without waiting for requests");
        logger.flush();
        host.exit(1);
      };
      host.on("SIGINT", again);
      host.on("SIGTERM", again);
      resolve(signal);
    };
    host.on("SIGINT", onSignal);
    host.on("SIGTERM", onSignal);
  });
}

/**
 * Waits for SIGINT/SIGTERM (`signalled`: from untilSignal(), called before the banner is
 * printed, so a signal sent as soon as the banner is seen is never met by the default
 * action), then runs `stop` (which lets in-flight work finish) and returns. If something
 * keeps the event loop alive after that, the process exits anyway.
 */
export async function serveUntilSignal(
  logger: Logger,
  signalled: Promise<NodeJS.Signals>,
  stop: () => Promise<Record<string, unknown> | undefined>,
): Promise<void> {
  const signal = await signalled;
  logger.info({ signal }, "shutting down: letting in-flight work finish");
  setTimeout(() => process.exit(process.exitCode ?? 0), SHUTDOWN_GRACE_MS + 5_000).unref();
  const summary = await stop();
  logger.info(summary ?? {}, "stopped");
  logger.flush();
}

/** One banner line, aligned like `kes server`'s. */
export function bannerLine(label: string, value: string, note = ""): string {
  const text = note === "" ? value : `${value.padEnd(22)} ${note}`;
  return `${label.padEnd(12)}${text}\n`;
}

/** The banner's internal TLS line. */
export function internalTlsLine(tls: InternalTlsConfig | undefined, peers: string): string {
  return tls === undefined
    ? bannerLine("Internal", "plaintext", "--insecure-internal: for local debugging only")
    : bannerLine("Internal", "mutual TLS", peers);
}

/** `services.*.listen` (validated by the config) as host and port; "" = every interface. */
export function splitListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen);
  if (m === null) throw new CliError(`'${listen}' is not a host:port address`);
  const host = m[1] ?? m[2] ?? "";
  return { host: host === "" ? "0.0.0.0" : host, port: Number(m[3]) };
}
