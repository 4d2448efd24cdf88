import { Argument, type Command, Option } from "commander";
import { type CliIo, processIo } from "../io.js";
import type { ServiceFlags } from "./services-common.js";
import type { GatewayFlags } from "./services-gateway.js";
import type { HealthFlags } from "./services-health.js";

const INSECURE_HELP =
  "run internal gRPC without TLS (refused otherwise when services.tls is missing): debugging only";

/**
 * Registers `kes gateway`, `kes crypto` and `kes keystore`: each runs one service of the split
 * deployment as its own process (docs/deployment.md). `kes server` still runs all three in one.
 */
export function register(program: Command, io: CliIo = processIo()): void {
  program
    .command("gateway")
    .description("start the HTTPS KES API alone; key operations go to crypto services over gRPC")
    .option("--config <file>", "the config file (YAML) with a services section")
    .option("--addr <ip:port>", "listen on this address (default: the config's, 0.0.0.0:7373)")
    .addOption(
      new Option(
        "--auth <on|off>",
        "verify client certificates; off: required, not verified",
      ).choices(["on", "off"]),
    )
    .option("--insecure-internal", INSECURE_HELP)
    .action(async (flags: GatewayFlags) => {
      // Service modules load only when a service starts: other commands start faster.
      const { runGateway } = await import("./services-gateway.js");
      await runGateway(flags, io);
    });
  program
    .command("crypto")
    .description("start the crypto service alone: master keys, key cache and all cryptography")
    .option("--config <file>", "the config file (YAML) with a services section")
    .option("--insecure-internal", INSECURE_HELP)
    .action(async (flags: ServiceFlags) => {
      const { runCrypto } = await import("./services-crypto.js");
      await runCrypto(flags, io);
    });
  program
    .command("keystore")
    .description("start the keystore service alone, in front of the config's keystore")
    .option("--config <file>", "the config file (YAML) with a services section")
    .option("--insecure-internal", INSECURE_HELP)
    .action(async (flags: ServiceFlags) => {
      const { runKeystore } = await import("./services-keystore.js");
      await runKeystore(flags, io);
    });
  program
    .command("health")
    .description("ask a crypto or keystore service for its gRPC health; exit 0 only when SERVING")
    .addArgument(new Argument("<service>", "the service to ask").choices(["crypto", "keystore"]))
    .option("--config <file>", "the config file (YAML) with a services section")
    .option("--address <host:port>", "ask here (default: the service's listen address, locally)")
    .option("--insecure-internal", "ask without TLS")
    .action(async (service: "crypto" | "keystore", flags: HealthFlags) => {
      const { runHealth } = await import("./services-health.js");
      try {
        await runHealth(service, flags, io);
      } finally {
        // A probe ends when it has its answer. grpc-js can leave a connection attempt open
        // after close() (a peer that accepted TCP but never finishes TLS: a stopped process),
        // which would keep this process alive until the orchestrator kills it. The timer does
        // not itself keep the process alive; the status is main()'s, set by then.
        setTimeout(() => process.exit(), 200).unref();
      }
    });
}
