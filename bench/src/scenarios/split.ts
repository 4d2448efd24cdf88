import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { BENCH_KEY, baseConfig, kesCommand } from "./kes-server.js";
import { BIN, cleanEnv, type ManagedProcess, runCommand, startProcess } from "./processes.js";
import { waitUntilReady } from "./ready.js";
import type { RunningScenario, Scenario, ScenarioContext } from "./types.js";

const ROLES = ["keystore", "crypto", "gateway"] as const;
type Role = (typeof ROLES)[number];

/** Which of `kes gateway|crypto|keystore` and `kes tool certs internal` this kes lacks. */
async function missingCommands(): Promise<string[]> {
  const missing: string[] = [];
  for (const args of [...ROLES.map((r) => [r]), ["tool", "certs", "internal"]]) {
    const result = await runCommand(BIN.kes, [...args, "--help"], { timeoutMs: 15_000 });
    if (result.code !== 0) missing.push(`'kes ${args.join(" ")}'`);
  }
  return missing;
}

/** A free loopback port (the services' addresses must be known before they start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The split deployment as docs/cli.md describes it: `kes keystore`, `kes crypto` and
 * `kes gateway` as three processes with internal mutual TLS from `kes tool certs internal`,
 * started in that order (each once the previous one printed its banner), fs keystore.
 */
export function splitScenario(): Scenario {
  return {
    id: "split",
    label: "split deployment (3 processes)",
    description: "kes gateway + kes crypto + kes keystore (fs), internal mutual TLS",
    async unavailable() {
      const missing = await missingCommands();
      if (missing.length > 0) return `this checkout's kes has no ${missing.join(", ")} command yet`;
      return undefined;
    },
    start: startSplit,
  };
}

async function startSplit(ctx: ScenarioContext): Promise<RunningScenario> {
  const internal = join(ctx.dir, "internal");
  const certs = await runCommand(BIN.kes, ["tool", "certs", "internal", "--out", internal], {
    cwd: ctx.dir,
    timeoutMs: 30_000,
  });
  if (certs.code !== 0) throw new Error(`kes tool certs internal failed: ${certs.stderr.trim()}`);
  const keysDir = join(ctx.dir, "keys");
  await mkdir(keysDir);
  const [cryptoPort, keystorePort] = [await freePort(), await freePort()];
  const configs = {} as Record<Role, string>;
  for (const role of ROLES) {
    configs[role] = join(ctx.dir, `${role}-config.yml`);
    const services = [
      "services:",
      "  tls:",
      `    ca: ${join(internal, "ca.crt")}`,
      `    cert: ${join(internal, `${role}.crt`)}`,
      `    key: ${join(internal, `${role}.key`)}`,
      "  crypto:",
      `    listen: 127.0.0.1:${cryptoPort}`,
      "  keystore:",
      `    listen: 127.0.0.1:${keystorePort}`,
      "keystore:",
      "  fs:",
      `    path: ${keysDir}`,
    ];
    await writeFile(configs[role], `${baseConfig(ctx.pki)}${services.join("\n")}\n`);
  }
  const started: ManagedProcess[] = [];
  const stopAll = async () => {
    // The front first, so nothing calls a service that is already gone.
    for (const p of [...started].reverse()) await p.stop();
  };
  try {
    let endpoint = "";
    for (const role of ROLES) {
      const { command, args } = kesCommand(ctx, role, [role, "--config", configs[role]]);
      const p = startProcess(role, command, args, { cwd: ctx.dir, env: cleanEnv() });
      started.push(p);
      if (role === "gateway") {
        const [, url = ""] = await p.waitForOutput(
          /^Endpoints\s+(https:\/\/127\.0\.0\.1:\d+)/m,
          30_000,
        );
        endpoint = url;
      } else {
        await p.waitForOutput(/^Listening\s+\S+/m, 30_000);
      }
    }
    const first = started[0] as ManagedProcess;
    const startupMs = await waitUntilReady(endpoint, BENCH_KEY, ctx.pki, first.spawnedAt, started);
    return {
      endpoint,
      processes: started.map((p) => ({ role: p.role, pid: p.pid })),
      key: BENCH_KEY,
      startupMs,
      stop: stopAll,
    };
  } catch (err) {
    for (const p of [...started].reverse()) await p.stop(2_000);
    throw err;
  }
}
