import { readFile } from "node:fs/promises";
import { arch, platform } from "node:os";
import type { KesConfig } from "@kes/config";
import { createLogger } from "@kes/core";
import { type Command, Option } from "commander";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { tuneHeap } from "./heap.js";
import { formatBanner, listenEndpoints } from "./server-banner.js";
import type { RunningServer } from "./server-run.js";
import {
  checkTlsFiles,
  SERVER_TLS_FILES,
  SHUTDOWN_GRACE_MS,
  untilSignal,
} from "./services-common.js";

interface ServerFlags {
  readonly config?: string;
  readonly addr?: string;
  readonly auth?: "on" | "off";
  readonly dev?: boolean;
}

async function cliVersion(): Promise<{ version: string; commit: string }> {
  try {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    return { version: String(pkg.version ?? "<unknown>"), commit: "<unknown>" };
  } catch {
    return { version: "<unknown>", commit: "<unknown>" };
  }
}

async function loadConfigOrFail(file: string, io: CliIo): Promise<KesConfig> {
  const { ConfigError, loadConfig } = await import("@kes/config");
  try {
    return await loadConfig(file, { env: io.env as NodeJS.ProcessEnv });
  } catch (err) {
    // Already `file:line: path: what is wrong`.
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

async function runServer(flags: ServerFlags, io: CliIo): Promise<void> {
  if (flags.dev && flags.config !== undefined) {
    throw new CliError("--dev and --config cannot be used together: --dev needs no config file");
  }
  if (flags.dev && flags.auth === "on") {
    throw new CliError(
      "--dev runs with --auth off: its admin API key is a self-signed client certificate",
    );
  }
  if (!flags.dev && flags.config === undefined) {
    throw new CliError(
      "no config file: use --config <file>, or --dev for a throwaway development server",
    );
  }
  tuneHeap();
  // The server's modules load only when a server starts: other commands start faster. The
  // dev setup (X.509 libraries) only for --dev.
  const { startServer } = await import("./server-run.js");
  const { formatConfigWarning } = await import("@kes/config");
  const devModule = flags.dev ? await import("./server-dev.js") : undefined;
  const dev = devModule === undefined ? undefined : await devModule.devSetup(flags.addr);
  const config = dev?.config ?? (await loadConfigOrFail(flags.config as string, io));
  await checkTlsFiles(config, SERVER_TLS_FILES);
  const logger = createLogger({ name: "kes", ...(config.log.error ? {} : { level: "fatal" }) });
  for (const warning of config.warnings) {
    logger.warn(formatConfigWarning(config.file || "<config>", warning));
  }
  const auth = dev ? "off" : (flags.auth ?? config.tls.auth ?? "on");
  const version = await cliVersion();
  let server: RunningServer;
  try {
    server = await startServer({
      config,
      auth,
      version,
      logger,
      ...(flags.addr === undefined ? {} : { address: flags.addr }),
      ...(dev === undefined ? {} : { tls: dev.tls }),
    });
  } catch (err) {
    logger.flush();
    throw err;
  }
  const [host = ""] = server.gateway.address.split(/:(?=\d+$)/);
  const endpoints = listenEndpoints(host.replace(/^\[|\]$/g, ""), server.gateway.port);
  // Before the banner: whoever waits for it may signal at once (a test, a supervisor).
  const signalled = untilSignal(logger);
  io.stdout.write(
    formatBanner({
      version: version.version,
      platform: `${platform()}/${arch()}`,
      keystore: server.keystore,
      endpoints,
      admin: config.admin,
      auth,
    }),
  );
  if (dev !== undefined && devModule !== undefined) {
    const local = endpoints.find((e) => e.includes("127.0.0.1")) ?? endpoints[0] ?? "";
    io.stdout.write(devModule.devCredentials(dev, local));
  }

  const signal = await signalled;
  logger.info({ signal }, "shutting down: waiting for in-flight requests");
  // If something keeps the event loop alive after closing, do not hang: exit anyway.
  setTimeout(() => process.exit(process.exitCode ?? 0), SHUTDOWN_GRACE_MS + 5_000).unref();
  await server.close(SHUTDOWN_GRACE_MS);
  logger.info("stopped");
  logger.flush();
}

/** Registers `kes server`. */
export function register(program: Command, io: CliIo = processIo()): void {
  program
    .command("server")
    .description("start a KES server: keystore, crypto and HTTPS API in one process")
    .option("--config <file>", "the server config file (YAML)")
    .option("--addr <ip:port>", "listen on this address (default: the config's, 0.0.0.0:7373)")
    .addOption(
      new Option(
        "--auth <on|off>",
        "verify client certificates; off: required, not verified",
      ).choices(["on", "off"]),
    )
    .option("--dev", "a throwaway dev server: in-memory keys, self-signed cert, new admin API key")
    .action((flags: ServerFlags) => runServer(flags, io));
}
