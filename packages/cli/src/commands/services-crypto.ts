import { arch, platform } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { KesConfig } from "@kes/config";
import { type CryptoApi, isKesError, type KeyStore, type Logger } from "@kes/core";
import { type CryptoServer, createCryptoService, serveCrypto } from "@kes/crypto-service";
import { connectKeyStore } from "@kes/keystore-service";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import {
  bannerLine,
  internalTlsLine,
  listenError,
  type ServiceFlags,
  SHUTDOWN_GRACE_MS,
  serveUntilSignal,
  setUpService,
  splitListen,
  untilSignal,
} from "./services-common.js";

/** Pause between attempts to create the config's `keys:` while the keystore is not up yet. */
const STARTUP_KEYS_RETRY_MS = 2_000;

/**
 * `kes crypto --config F`: the crypto service alone. It reaches the keystore service at
 * `services.keystore.address` and serves gateways on `services.crypto.listen`; the key cache
 * is its own (config `cache:`), so several crypto processes cache independently.
 */
export async function runCrypto(flags: ServiceFlags, io: CliIo): Promise<void> {
  const { config, services, tls, logger, version } = await setUpService("crypto", flags, io);
  const listen = services.crypto.listen;
  const { host, port } = splitListen(listen);
  const keystoreAddress = services.keystore.address[0] as string;
  let keystore: KeyStore;
  try {
    keystore = connectKeyStore({
      endpoint: keystoreAddress,
      ...(tls === undefined ? {} : { tls, serverRole: "keystore" as const }),
    });
  } catch (err) {
    throw new CliError(
      `cannot use the keystore service at ${keystoreAddress}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const crypto = createCryptoService({
    keystore,
    cache: config.cache.expiry,
    logger: logger.child({ component: "crypto" }),
  });
  let server: CryptoServer;
  try {
    server = await serveCrypto(crypto, {
      host,
      port,
      logger,
      ...(tls === undefined ? {} : { tls, allowedPeers: ["gateway"] as const }),
    });
  } catch (err) {
    await crypto.close().catch(() => {});
    logger.flush();
    throw listenError(err, listen);
  }
  // Before the banner: whoever waits for it may signal at once.
  const signalled = untilSignal(logger);
  io.stdout.write(
    [
      bannerLine("Version", version, `${platform()}/${arch()}`),
      bannerLine("Service", "crypto"),
      bannerLine("Listening", server.address),
      bannerLine("Keystore", keystoreAddress),
      internalTlsLine(tls, "accepts: gateway"),
    ].join(""),
  );
  const stopping = new AbortController();
  const startupKeys = createStartupKeys(crypto, config, logger, stopping.signal);
  await serveUntilSignal(logger, signalled, async () => {
    stopping.abort();
    await server.close(SHUTDOWN_GRACE_MS);
    await startupKeys;
    await crypto.close();
    return { calls: server.calls, sessionCalls: server.sessionCalls };
  });
}

/**
 * Creates the config's `keys:` that do not exist yet (KES 2023). The keystore may start after
 * us, so this runs in the background and retries until it is done or we stop; a key that
 * another crypto process created first is fine.
 */
async function createStartupKeys(
  crypto: CryptoApi,
  config: KesConfig,
  logger: Logger,
  stop: AbortSignal,
): Promise<void> {
  const pending = [...config.keys];
  while (pending.length > 0 && !stop.aborted) {
    const name = pending[0] as string;
    try {
      await crypto.createKey(name, config.admin ?? "", { signal: stop });
      pending.shift();
    } catch (err) {
      if (isKesError(err, "key_exists")) {
        pending.shift();
        continue;
      }
      if (isKesError(err, "invalid_argument")) {
        logger.error({ key: name, reason: err.message }, "cannot create a key listed under keys");
        pending.shift();
        continue;
      }
      logger.warn({ key: name }, "cannot create a key listed under keys yet: retrying");
      await sleep(STARTUP_KEYS_RETRY_MS, undefined, { signal: stop }).catch(() => {});
    }
  }
}
