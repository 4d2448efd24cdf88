import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { BENCH_KEY, baseConfig, startKesServer } from "./kes-server.js";
import { BIN, cleanEnv, runCommand, startProcess } from "./processes.js";
import { waitUntilReady } from "./ready.js";
import type { RunningScenario, Scenario, ScenarioContext } from "./types.js";

const BACKEND = "services/keystore/src/backends/ciphertrust";

/**
 * `kes server` on the CipherTrust Manager backend, against the simulator in its own process,
 * set up as the KES guide does it with ksctl (group, user, policy, attachment, refresh token).
 * warm: every pair uses one key, so after the warm-up every lookup is a cache hit.
 * cold: every pair uses a key that was created (outside the window) and never used, so each
 * pair's generate fetches its key from the CM once; its decrypt then hits the cache.
 */
export function cipherTrustScenario(cache: "warm" | "cold"): Scenario {
  return {
    id: `cm-${cache}`,
    label: `kes server (CipherTrust, ${cache} cache)`,
    description:
      cache === "warm"
        ? "kes server, CipherTrust backend via the simulator, one key (cache hits)"
        : "kes server, CipherTrust backend via the simulator, a fresh key per pair (one CM export each)",
    cold: cache === "cold",
    unavailable: cipherTrustUnavailable,
    start: startCipherTrust,
  };
}

async function cipherTrustUnavailable(): Promise<string | undefined> {
  const { REPO_ROOT } = await import("./processes.js");
  for (const [what, path] of [
    ["the CipherTrust backend", join(REPO_ROOT, BACKEND)],
    ["ciphertrust-sim", BIN.sim],
    ["ksctl", BIN.ksctl],
    ["kes", BIN.kes],
  ] as const) {
    try {
      await access(path);
    } catch {
      return `${what} is not there (${path})`;
    }
  }
  return undefined;
}

async function startCipherTrust(ctx: ScenarioContext): Promise<RunningScenario> {
  const started = performance.now();
  const sim = startProcess(
    "ciphertrust-sim",
    BIN.sim,
    ["--port", "0", "--tls-dir", join(ctx.dir, "cm-tls")],
    { cwd: ctx.dir },
  );
  try {
    const [, url = ""] = await sim.waitForOutput(/listening on (https:\/\/\S+)$/m, 20_000);
    const [, caFile = ""] = await sim.waitForOutput(/^CA certificate: (.+)$/m, 5_000);
    const ca = await readFile(caFile, "utf8");
    ctx.log(`  ciphertrust-sim at ${url}; setting it up with ksctl (the guide's steps)`);
    const token = await guideSetup(ctx.dir, url);
    const configFile = join(ctx.dir, "server-config.yml");
    const keystore = [
      "keystore:",
      "  gemalto:",
      "    keysecure:",
      `      endpoint: "${url}"`,
      "      credentials:",
      `        token: "${token}"`,
      '        domain: ""',
      "        retry: 15s",
      "      tls:",
      `        ca: "${caFile}"`,
    ];
    await writeFile(configFile, `${baseConfig(ctx.pki)}${keystore.join("\n")}\n`);
    // Startup time is that of kes server alone: the simulator stands for a CM already running.
    const { process: kes, endpoint } = await startKesServer(ctx, configFile);
    try {
      const startupMs = await waitUntilReady(endpoint, BENCH_KEY, ctx.pki, kes.spawnedAt, [
        kes,
        sim,
      ]);
      ctx.log(`  CipherTrust scenario up in ${Math.round(performance.now() - started)} ms`);
      return {
        endpoint,
        processes: [
          { role: "kes server", pid: kes.pid },
          { role: "ciphertrust-sim", pid: sim.pid },
        ],
        key: BENCH_KEY,
        startupMs,
        backendCalls: async () => countCalls(await control(url, ca, "GET", "/__sim/log")),
        resetBackendCalls: async () => {
          await control(url, ca, "DELETE", "/__sim/log");
        },
        stop: async () => {
          await kes.stop();
          await sim.stop();
        },
      };
    } catch (err) {
      await kes.stop(2_000);
      throw err;
    }
  } catch (err) {
    await sim.stop(2_000);
    throw err;
  }
}

/** The guide's CipherTrust Manager steps 1–6 with ksctl; returns the KES refresh token. */
async function guideSetup(dir: string, url: string): Promise<string> {
  const cwd = join(dir, "ksctl");
  await mkdir(cwd);
  await writeFile(
    join(cwd, "config.yaml"),
    [
      `KSCTL_URL: ${url}`,
      "KSCTL_USERNAME: admin",
      "KSCTL_PASSWORD: admin",
      "KSCTL_RESP: json",
      "KSCTL_NOSSLVERIFY: true",
      "KSCTL_TIMEOUT: 30",
      "",
    ].join("\n"),
  );
  await writeFile(
    join(cwd, "kes-policy.json"),
    JSON.stringify({
      allow: true,
      name: "kes-policy",
      actions: ["CreateKey", "ExportKey", "ReadKey", "DeleteKey"],
      resources: ["kylo:kylo:vault:secrets:*"],
    }),
  );
  await writeFile(
    join(cwd, "kes-attachment.json"),
    JSON.stringify({ cust: { groups: ["KES-Service"] } }),
  );
  const env = cleanEnv({ HOME: cwd });
  const ksctl = async (...args: string[]): Promise<string> => {
    const result = await runCommand(BIN.ksctl, args, { cwd, env, timeoutMs: 20_000 });
    if (result.code !== 0) {
      throw new Error(`ksctl ${args.slice(0, 2).join(" ")} failed: ${result.stderr.trim()}`);
    }
    return result.stdout;
  };
  const password = "Bench-Passw0rd!";
  await ksctl("groups", "create", "--name", "KES-Service");
  const user = JSON.parse(await ksctl("users", "create", "--name", "kes", "--pword", password));
  await ksctl("groups", "adduser", "--name", "KES-Service", "--userid", String(user.user_id));
  await ksctl("policy", "create", "--jsonfile", "kes-policy.json");
  await ksctl("polattach", "create", "-p", "kes-policy", "-g", "kes-attachment.json");
  const tokens = JSON.parse(
    await ksctl("tokens", "create", "--user", "kes", "--password", password, "--issue-rt"),
  );
  if (typeof tokens.refresh_token !== "string") {
    throw new Error("ksctl tokens create printed no refresh_token");
  }
  return tokens.refresh_token;
}

/** The simulator's control plane (unauthenticated, loopback only). */
function control(url: string, ca: string, method: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, ca, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 0) >= 300) {
          reject(new Error(`simulator ${method} ${path}: HTTP ${res.statusCode}`));
          return;
        }
        try {
          resolve(text === "" ? undefined : JSON.parse(text));
        } catch {
          reject(new Error(`simulator ${method} ${path}: the answer is not JSON`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`simulator ${method} ${path}: timeout`)));
    req.on("error", reject);
    req.end();
  });
}

/** The request log's entries counted by route (secrets.export, auth.tokens.create, …). */
export function countCalls(log: unknown): Record<string, number> {
  const entries = (log as { entries?: { route?: string }[] })?.entries ?? [];
  const counts: Record<string, number> = {};
  for (const e of entries) {
    const route = e.route ?? "other";
    counts[route] = (counts[route] ?? 0) + 1;
  }
  return counts;
}
