import type { KesConfig } from "@kes/config";
import { type CryptoApi, isKesError, type Logger } from "@kes/core";
import { createCryptoService } from "@kes/crypto-service";
import { createMetricsRegistry, type Gateway, parseAddress, startGateway } from "@kes/gateway";
import { openKeyStore } from "@kes/keystore-service";
import { CliError } from "../errors.js";

export interface ServerOptions {
  readonly config: KesConfig;
  /** --addr; overrides config.address. */
  readonly address?: string;
  readonly auth: "on" | "off";
  /** Server certificate as PEM instead of the config's files (--dev). */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  readonly version: { readonly version: string; readonly commit: string };
  readonly logger: Logger;
}

export interface RunningServer {
  readonly gateway: Gateway;
  readonly keystore: { readonly kind: string; readonly endpoint: string };
  /** Lets in-flight requests finish (up to graceMs), then closes the crypto service and keystore. */
  close(graceMs?: number): Promise<void>;
}

/** Why the listener could not start, in words an operator can act on. */
function listenError(err: unknown, address: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE")
    return new CliError(`cannot listen on ${address}: the address is already in use`);
  if (code === "EACCES") return new CliError(`cannot listen on ${address}: permission denied`);
  if (code === "EADDRNOTAVAIL") {
    return new CliError(`cannot listen on ${address}: no network interface has that IP address`);
  }
  return err;
}

/** Creates the keys the config lists under `keys:` unless they exist (KES 2023). */
async function createStartupKeys(crypto: CryptoApi, config: KesConfig): Promise<void> {
  for (const name of config.keys) {
    try {
      await crypto.createKey(name, config.admin ?? "");
    } catch (err) {
      if (isKesError(err, "key_exists")) continue;
      const reason = err instanceof Error ? err.message : String(err);
      throw new CliError(`cannot create key '${name}' listed under keys: ${reason}`);
    }
  }
}

/**
 * `kes server` in one process: keystore → crypto service → HTTPS gateway, wired in-process (the
 * gateway gets the CryptoApi object itself; the split deployment puts gRPC in between).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const address = options.address ?? config.address;
  parseAddressOrFail(address);
  let keystore: Awaited<ReturnType<typeof openKeyStore>>;
  try {
    keystore = await openKeyStore(config.keystore, {
      logger: logger.child({ component: "keystore" }),
    });
  } catch (err) {
    throw new CliError(
      `cannot open the keystore: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  // One registry for the whole process: /v1/metrics shows the gateway's, crypto's and keystore's.
  const metrics = createMetricsRegistry();
  const crypto = createCryptoService({
    keystore,
    cache: config.cache.expiry,
    logger: logger.child({ component: "crypto" }),
    metrics,
  });
  let gateway: Gateway;
  try {
    await createStartupKeys(crypto, config);
    gateway = await startGateway({
      config,
      crypto,
      logger: logger.child({ component: "gateway" }),
      address,
      auth: options.auth,
      version: options.version,
      metrics,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    }).catch((err: unknown) => {
      throw listenError(err, address);
    });
  } catch (err) {
    await crypto.close().catch(() => {});
    throw err;
  }
  const stopReloading = reloadOnSighup(config, gateway, logger);
  return {
    gateway,
    keystore: { kind: keystore.kind, endpoint: keystore.endpoint },
    async close(graceMs) {
      stopReloading();
      try {
        await gateway.close(graceMs);
      } finally {
        await crypto.close();
      }
    },
  };
}

function parseAddressOrFail(address: string): void {
  try {
    parseAddress(address);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * SIGHUP re-reads the config file and applies it (KES: policies, identities, admin, api
 * settings, TLS certificate and CAs, log.audit) without dropping connections. A config that
 * does not load, or that changes the keystore (which needs a restart), is refused with its
 * error logged, and the running config stays in force. Returns the uninstaller.
 */
function reloadOnSighup(initial: KesConfig, gateway: Gateway, logger: Logger): () => void {
  let current = initial;
  let queue = Promise.resolve();
  const refuse = (reason: string) =>
    logger.error(`config reload refused: ${reason}; the previous config stays in force`);
  async function reload(): Promise<void> {
    if (current.file === "") {
      logger.warn("SIGHUP: nothing to reload (no config file, e.g. --dev)");
      return;
    }
    const { checkConfigFiles, formatConfigWarning, loadConfig } = await import("@kes/config");
    let next: KesConfig;
    try {
      next = await loadConfig(current.file);
      await checkConfigFiles(next, ["tls."]);
    } catch (err) {
      refuse(err instanceof Error ? err.message : String(err)); // file:line: path: what
      return;
    }
    if (JSON.stringify(next.keystore) !== JSON.stringify(current.keystore)) {
      refuse(`${next.file}: keystore: the keystore changed, which needs a restart of kes server`);
      return;
    }
    try {
      await gateway.reload(next);
    } catch (err) {
      refuse(`${next.file}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const w of next.warnings) logger.warn(formatConfigWarning(next.file, w));
    for (const key of ["address", "cache", "keys"] as const) {
      if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) {
        logger.warn(`config reload: '${key}' changed; it takes effect at the next restart`);
      }
    }
    if (next.log.error !== current.log.error) {
      logger.warn("config reload: 'log.error' changed; it takes effect at the next restart");
    }
    current = next;
  }
  const onHangup = () => {
    logger.info("SIGHUP: reloading the config");
    queue = queue.then(reload).catch((err: unknown) => refuse(String(err)));
  };
  process.on("SIGHUP", onHangup);
  return () => process.off("SIGHUP", onHangup);
}
