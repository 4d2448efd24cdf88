import type { KesConfig } from "@kes/config";
import { type CryptoApi, isKesError, type Logger } from "@kes/core";
import { createCryptoService } from "@kes/crypto-service";
import { type Gateway, parseAddress, startGateway } from "@kes/gateway";
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
  const crypto = createCryptoService({
    keystore,
    cache: config.cache.expiry,
    logger: logger.child({ component: "crypto" }),
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
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    }).catch((err: unknown) => {
      throw listenError(err, address);
    });
  } catch (err) {
    await crypto.close().catch(() => {});
    throw err;
  }
  return {
    gateway,
    keystore: { kind: keystore.kind, endpoint: keystore.endpoint },
    async close(graceMs) {
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
