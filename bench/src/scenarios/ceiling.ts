import { access } from "node:fs/promises";
import { BENCH_KEY } from "./kes-server.js";
import { BIN, cleanEnv, startProcess } from "./processes.js";
import { waitUntilReady } from "./ready.js";
import type { RunningScenario, Scenario, ScenarioContext } from "./types.js";

/** The ceiling server (bench/src/ceiling-server.ts) as its own process. */
export function ceilingScenario(h2Api: "stream" | "compat"): Scenario {
  return {
    id: h2Api === "stream" ? "ceiling" : "ceiling-compat",
    label: h2Api === "stream" ? "ceiling" : "ceiling (compat API)",
    description:
      h2Api === "stream"
        ? "minimal single-file server, same AES work, HTTP/2 core stream API"
        : "the ceiling with HTTP/2 through the request/response compat API (as the gateway)",
    async unavailable() {
      try {
        await access(BIN.ceiling);
        return undefined;
      } catch {
        return `${BIN.ceiling} is missing: run pnpm build`;
      }
    },
    async start(ctx: ScenarioContext): Promise<RunningScenario> {
      const { files, client } = ctx.pki;
      const args = [
        BIN.ceiling,
        ...["--addr", "127.0.0.1:0", "--cert", files.serverCert, "--key", files.serverKey],
        ...["--ca", files.ca, "--admin", client.identity, "--create", BENCH_KEY],
        ...["--h2-api", h2Api],
      ];
      const profile =
        ctx.profileDir === undefined
          ? []
          : ["--cpu-prof", `--cpu-prof-dir=${ctx.profileDir}/ceiling`];
      const process = startProcess("ceiling", globalThis.process.execPath, [...profile, ...args], {
        env: cleanEnv(),
      });
      try {
        const [, endpoint = ""] = await process.waitForOutput(
          /^ceiling listening on (https:\/\/\S+)$/m,
          20_000,
        );
        const startupMs = await waitUntilReady(endpoint, BENCH_KEY, ctx.pki, process.spawnedAt, [
          process,
        ]);
        return {
          endpoint,
          processes: [{ role: "ceiling", pid: process.pid }],
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
