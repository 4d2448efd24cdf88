import { arch, platform } from "node:os";
import type { KeyStore } from "@kes/core";
import { type KeyStoreServer, openKeyStore, serveKeyStore } from "@kes/keystore-service";
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

/**
 * `kes keystore --config F`: the keystore service alone. It opens the config's keystore and
 * serves it over gRPC on `services.keystore.listen` to crypto processes only.
 */
export async function runKeystore(flags: ServiceFlags, io: CliIo): Promise<void> {
  const { config, services, tls, logger, version } = await setUpService("keystore", flags, io);
  const listen = services.keystore.listen;
  const { host, port } = splitListen(listen);
  let store: KeyStore;
  try {
    store = await openKeyStore(config.keystore, {
      logger: logger.child({ component: "keystore" }),
    });
  } catch (err) {
    throw new CliError(
      `cannot open the keystore: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let server: KeyStoreServer;
  try {
    server = await serveKeyStore(store, {
      host,
      port,
      logger,
      ...(tls === undefined ? {} : { tls, allowedPeers: ["crypto"] as const }),
    });
  } catch (err) {
    await store.close().catch(() => {});
    logger.flush();
    throw listenError(err, listen);
  }
  const backend = store.endpoint === "" ? store.kind : `${store.kind}: ${store.endpoint}`;
  // Before the banner: whoever waits for it may signal at once.
  const signalled = untilSignal(logger);
  io.stdout.write(
    [
      bannerLine("Version", version, `${platform()}/${arch()}`),
      bannerLine("Service", "keystore"),
      bannerLine("Listening", server.address),
      bannerLine("Keystore", backend),
      internalTlsLine(tls, "accepts: crypto"),
    ].join(""),
  );
  await serveUntilSignal(logger, signalled, async () => {
    await server.close(SHUTDOWN_GRACE_MS);
    await store.close();
    return undefined;
  });
}
