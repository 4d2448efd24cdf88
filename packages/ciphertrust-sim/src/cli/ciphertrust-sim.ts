import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDuration } from "@kes/core";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { startSimulator } from "../simulator.js";

interface CliOptions {
  host: string;
  port: number;
  http?: boolean;
  tlsDir?: string;
  state?: string;
  jwtTtl: number;
  adminUser: string;
  adminPassword?: string;
  verbose?: boolean;
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError("expected a port number in 0..65535");
  }
  return Number(value);
}

function parseTtl(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw new InvalidArgumentError('expected a duration such as "300s" or "5m"');
  }
  if (ms < 1000 || ms % 1000 !== 0) {
    throw new InvalidArgumentError("expected a whole number of seconds, at least 1s");
  }
  return ms / 1000;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function run(options: CliOptions): Promise<void> {
  const { port, jwtTtl: jwtTtlSeconds } = options;
  const adminPassword =
    options.adminPassword ?? process.env.CIPHERTRUST_SIM_ADMIN_PASSWORD ?? "admin";
  // TLS needs a CA file users can point KES at; without --tls-dir it goes to a temp dir
  // that is removed on exit.
  const tempTlsDir =
    options.http === true || options.tlsDir !== undefined
      ? undefined
      : await mkdtemp(join(tmpdir(), "ciphertrust-sim-tls-"));
  const tlsDir = options.tlsDir ?? tempTlsDir;
  const sim = await startSimulator({
    host: options.host,
    port,
    tls: options.http !== true,
    ...(options.http === true || tlsDir === undefined ? {} : { tlsDir }),
    ...(options.state === undefined ? {} : { stateFile: options.state }),
    jwtTtlSeconds,
    adminUser: { username: options.adminUser, password: adminPassword },
  });
  if (options.verbose === true) {
    sim.log.onEntry((e) => {
      process.stderr.write(
        `${e.time} ${e.method} ${e.path} -> ${e.status ?? "-"} (${e.outcome})\n`,
      );
    });
  }
  process.stdout.write(`CipherTrust Manager simulator listening on ${sim.url}\n`);
  if (sim.caFile !== undefined) process.stdout.write(`CA certificate: ${sim.caFile}\n`);
  process.stdout.write(`Admin user: ${options.adminUser}\n`);
  if (options.state !== undefined) process.stdout.write(`State file: ${options.state}\n`);
  process.stdout.write("Control plane: /__sim/* (see docs/ciphertrust-simulator.md)\n");
  await waitForSignal();
  await sim.close();
  if (tempTlsDir !== undefined) await rm(tempTlsDir, { recursive: true, force: true });
}

export function buildProgram(): Command {
  return new Command("ciphertrust-sim")
    .description("A local Thales CipherTrust Manager REST simulator for KES development and tests")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", parsePort, 8443)
    .option("--http", "serve plain HTTP instead of HTTPS")
    .option("--tls-dir <dir>", "write ca.pem, server.pem and server.key here (reused while valid)")
    .option("--state <file>", "persist state to this JSON file")
    .addOption(
      new Option("--jwt-ttl <duration>", "lifetime of issued JWTs")
        .argParser(parseTtl)
        .default(300, "300s"),
    )
    .option("--admin-user <name>", "built-in admin user", "admin")
    .option(
      "--admin-password <password>",
      "its password (default: $CIPHERTRUST_SIM_ADMIN_PASSWORD, else admin)",
    )
    .option("--verbose", "print every request on stderr")
    .showHelpAfterError()
    .exitOverride()
    .action(async (options: CliOptions) => run(options));
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
