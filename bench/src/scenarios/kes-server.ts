import { access, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BenchPki } from "./pki.js";
import { BIN, cleanEnv, type ManagedProcess, startProcess } from "./processes.js";
import { waitUntilReady } from "./ready.js";
import type { RunningScenario, Scenario, ScenarioContext } from "./types.js";

export const BENCH_KEY = "bench-key";

/** The part of a KES config every bench server shares: mTLS with verification, admin = us. */
export function baseConfig(pki: BenchPki): string {
  return [
    "address: 127.0.0.1:0",
    "admin:",
    `  identity: ${pki.client.identity}`,
    "tls:",
    `  key: ${pki.files.serverKey}`,
    `  cert: ${pki.files.serverCert}`,
    `  ca: ${pki.files.ca}`,
    "  auth: on",
    "log:",
    "  error: on",
    "  audit: off",
    "keys:",
    `  - name: ${BENCH_KEY}`,
    "",
  ].join("\n");
}

/**
 * How to start a `kes` process: through the shim as a user would, or — when profiling — with
 * node itself under `--cpu-prof` (Node 20 refuses that flag in NODE_OPTIONS), running the
 * same script the shim runs.
 */
export function kesCommand(
  ctx: ScenarioContext,
  role: string,
  args: readonly string[],
): { command: string; args: string[] } {
  if (ctx.profileDir === undefined) return { command: BIN.kes, args: [...args] };
  const dir = join(ctx.profileDir, role.replace(/[^A-Za-z0-9_-]+/g, "-"));
  return {
    command: process.execPath,
    args: ["--cpu-prof", `--cpu-prof-dir=${dir}`, BIN.kesScript, ...args],
  };
}

/** Starts `kes server --config <file>` and waits for its banner's endpoint. */
export async function startKesServer(
  ctx: ScenarioContext,
  configFile: string,
  role = "kes server",
): Promise<{ process: ManagedProcess; endpoint: string }> {
  const { command, args } = kesCommand(ctx, role, ["server", "--config", configFile]);
  const server = startProcess(role, command, args, { cwd: ctx.dir, env: cleanEnv() });
  const [, endpoint = ""] = await server.waitForOutput(
    /^Endpoints\s+(https:\/\/127\.0\.0\.1:\d+)/m,
    30_000,
  );
  return { process: server, endpoint };
}

export async function kesAvailable(): Promise<string | undefined> {
  try {
    await access(BIN.kes);
    return undefined;
  } catch {
    return `${BIN.kes} is missing: run pnpm install and pnpm build`;
  }
}

/** `kes server` in one process with the fs keystore (or the in-memory one). */
export function kesServerScenario(keystore: "fs" | "memory"): Scenario {
  return {
    id: keystore === "fs" ? "kes-fs" : "kes-memory",
    label: `kes server (${keystore})`,
    description:
      keystore === "fs"
        ? "kes server, one process, fs keystore in a temp dir"
        : "kes server, one process, in-memory keystore",
    unavailable: kesAvailable,
    async start(ctx: ScenarioContext): Promise<RunningScenario> {
      const keysDir = join(ctx.dir, "keys");
      await mkdir(keysDir);
      const keystore_ =
        keystore === "fs"
          ? ["keystore:", "  fs:", `    path: ${keysDir}`]
          : ["keystore:", "  memory: {}"];
      const configFile = join(ctx.dir, "server-config.yml");
      await writeFile(configFile, `${baseConfig(ctx.pki)}${keystore_.join("\n")}\n`);
      const { process, endpoint } = await startKesServer(ctx, configFile);
      try {
        const startupMs = await waitUntilReady(endpoint, BENCH_KEY, ctx.pki, process.spawnedAt, [
          process,
        ]);
        return {
          endpoint,
          processes: [{ role: "kes server", pid: process.pid }],
          key: BENCH_KEY,
          startupMs,
          stop: () => process.stop(),
        };
      } catch (err) {
        await process.stop(2_000);
        throw err;
      }
    },
  };
}
