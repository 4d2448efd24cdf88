import { arch, platform } from "node:os";
import { connectCrypto } from "@kes/crypto-service";
import { type Gateway, parseAddress, startGateway } from "@kes/gateway";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { listenEndpoints } from "./server-banner.js";
import {
  bannerLine,
  internalTlsLine,
  listenError,
  type ServiceFlags,
  SHUTDOWN_GRACE_MS,
  serveUntilSignal,
  setUpService,
  untilSignal,
} from "./services-common.js";

export interface GatewayFlags extends ServiceFlags {
  readonly addr?: string;
  readonly auth?: "on" | "off";
}

/**
 * `kes gateway --config F`: the HTTPS KES API alone. Every key operation goes over gRPC to the
 * crypto services at `services.crypto.address` (several: used in turn).
 */
export async function runGateway(flags: GatewayFlags, io: CliIo): Promise<void> {
  const { config, services, tls, logger, version } = await setUpService("gateway", flags, io);
  const address = flags.addr ?? config.address;
  try {
    parseAddress(address);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const auth = flags.auth ?? config.tls.auth ?? "on";
  const addresses = services.crypto.address;
  const crypto = connectCrypto({
    address: addresses,
    logger,
    ...(tls === undefined ? {} : { tls, serverRole: "crypto" as const }),
  });
  let gateway: Gateway;
  try {
    gateway = await startGateway({
      config,
      crypto,
      logger,
      address,
      auth,
      version: { version, commit: "<unknown>" },
    });
  } catch (err) {
    await crypto.close().catch(() => {});
    logger.flush();
    throw listenError(err, address);
  }
  const [host = ""] = gateway.address.split(/:(?=\d+$)/);
  const [first = "", ...more] = listenEndpoints(host.replace(/^\[|\]$/g, ""), gateway.port);
  const admin =
    config.admin === null
      ? bannerLine("Admin", "_", "[ disabled ]")
      : bannerLine("Admin", config.admin);
  // Before the banner: whoever waits for it may signal at once.
  const signalled = untilSignal(logger);
  io.stdout.write(
    [
      bannerLine("Version", version, `${platform()}/${arch()}`),
      bannerLine("Service", "gateway"),
      bannerLine("Crypto", addresses.join(", ")),
      bannerLine("Endpoints", first),
      ...more.map((e) => bannerLine("", e)),
      admin,
      auth === "on"
        ? bannerLine("Mutual TLS", "on", "Verify client certificates")
        : bannerLine("Mutual TLS", "off", "Client certificates are required but not verified"),
      internalTlsLine(tls, "dials: crypto"),
    ].join(""),
  );
  await serveUntilSignal(logger, signalled, async () => {
    try {
      await gateway.close(SHUTDOWN_GRACE_MS);
    } finally {
      await crypto.close();
    }
    return undefined;
  });
}
