import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { summarize } from "./load/latency.js";
import { generateLoad } from "./load/load-generator.js";
import type { KeySource } from "./load/load-run.js";
import { createTransport, type Protocol } from "./load/transport.js";
import type { BenchOptions } from "./options.js";
import { ResourceMonitor, treeMemory } from "./proc/resource-monitor.js";
import type { RunResult, ScenarioResult } from "./report/results.js";
import { mergeRounds } from "./report/rounds.js";
import { type BenchPki, createBenchPki } from "./scenarios/pki.js";
import type { RunningScenario, Scenario, ScenarioContext } from "./scenarios/types.js";

export interface BenchHooks {
  log(message: string): void;
  /** Where `--cpu-prof` profiles of a scenario go (undefined: no profiling). */
  profileDir?(scenario: string): string | undefined;
}

/**
 * Runs the scenarios one after the other — never two at once — each through every protocol
 * and concurrency level, with the same load generator and settings.
 */
export async function runScenarios(
  scenarios: readonly Scenario[],
  options: BenchOptions,
  hooks: BenchHooks,
  onRounds?: (rounds: ScenarioResult[][]) => void,
): Promise<ScenarioResult[]> {
  const root = await mkdtemp(join(tmpdir(), "kes-bench-"));
  try {
    const pkiDir = join(root, "pki");
    await mkdir(pkiDir);
    const pki = await createBenchPki(pkiDir);
    const rounds: ScenarioResult[][] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order, so that a machine getting busier or quieter over the run does
      // not always favour the same scenarios.
      const order = round % 2 === 0 ? scenarios : [...scenarios].reverse();
      const results: ScenarioResult[] = [];
      if (options.rounds > 1) hooks.log(`round ${round + 1} of ${options.rounds}`);
      for (const scenario of order) {
        results.push(
          await runScenario(scenario, options, pki, join(root, `round-${round}`), hooks),
        );
      }
      rounds.push(scenarios.map((s) => results.find((r) => r.id === s.id) as ScenarioResult));
    }
    onRounds?.(rounds);
    return options.rounds === 1 ? (rounds[0] ?? []) : mergeRounds(rounds);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function runScenario(
  scenario: Scenario,
  options: BenchOptions,
  pki: BenchPki,
  root: string,
  hooks: BenchHooks,
): Promise<ScenarioResult> {
  const base = { id: scenario.id, label: scenario.label, description: scenario.description };
  const reason = await scenario.unavailable();
  if (reason !== undefined) {
    hooks.log(`${scenario.id}: not available: ${reason}`);
    return { ...base, status: "not available", reason, runs: [] };
  }
  const dir = join(root, scenario.id);
  await mkdir(dir, { recursive: true });
  const profileDir = hooks.profileDir?.(scenario.id);
  const ctx: ScenarioContext = {
    dir,
    pki,
    ...(profileDir === undefined ? {} : { profileDir }),
    log: hooks.log,
  };
  hooks.log(`${scenario.id}: starting (${scenario.description})`);
  let running: RunningScenario;
  try {
    running = await scenario.start(ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    hooks.log(`${scenario.id}: failed to start: ${message}`);
    return { ...base, status: "failed", reason: `could not start: ${message}`, runs: [] };
  }
  const runs: RunResult[] = [];
  let idleRss: Record<string, number> = {};
  let failure: string | undefined;
  try {
    hooks.log(`${scenario.id}: ready in ${Math.round(running.startupMs)} ms`);
    await new Promise((r) => setTimeout(r, options.idleMs));
    idleRss = Object.fromEntries(running.processes.map((p) => [p.role, treeMemory(p.pid).rss]));
    for (const protocol of options.protocols) {
      for (const concurrency of options.concurrency) {
        const run = await measure(scenario, running, pki, options, protocol, concurrency, hooks);
        runs.push(run);
        hooks.log(`${scenario.id}: ${describeRun(run)}`);
      }
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
    hooks.log(`${scenario.id}: failed: ${failure}`);
  } finally {
    await running.stop().catch((err: unknown) => {
      failure ??= `could not stop: ${err instanceof Error ? err.message : String(err)}`;
    });
  }
  return {
    ...base,
    status: failure === undefined ? "ok" : "failed",
    ...(failure === undefined ? {} : { reason: failure }),
    startupMs: running.startupMs,
    idleRss,
    runs,
  };
}

function describeRun(r: RunResult): string {
  const head = `${r.protocol} c=${r.concurrency}: `;
  if (r.status === "failed") return `${head}FAILED ${r.failure ?? ""}`;
  const errs = r.status === "errors" ? ` ERRORS ${r.errors} mismatches ${r.mismatches}` : "";
  return (
    `${head}${r.pairsPerSecond.toFixed(0)} pairs/s, p50 ${r.latencyMs.pair.p50.toFixed(2)} ms, ` +
    `p99 ${r.latencyMs.pair.p99.toFixed(2)} ms, ${r.cpu.perThousandPairs.toFixed(2)} CPU s/1k pairs` +
    errs
  );
}

let coldBatch = 0;

async function measure(
  scenario: Scenario,
  running: RunningScenario,
  pki: BenchPki,
  options: BenchOptions,
  protocol: Protocol,
  concurrency: number,
  hooks: BenchHooks,
): Promise<RunResult> {
  const tls = { ca: pki.caPem, cert: pki.client.certPem, key: pki.client.keyPem };
  const watched = running.processes;
  let monitor: ResourceMonitor | undefined;
  let loadMonitor: ResourceMonitor | undefined;
  let usage: ReturnType<ResourceMonitor["stop"]> = [];
  let loadUsage: ReturnType<ResourceMonitor["stop"]> = [];
  let backendCalls: Record<string, number> | undefined;
  try {
    let warmupKeys: KeySource = { name: running.key };
    let measureKeys: KeySource = { name: running.key };
    if (scenario.cold === true) {
      // Fresh keys for this run only, created outside the window; create does not fill the
      // cache, so each pair's generate is a miss that fetches its key from the backend.
      const batch = coldBatch++;
      const warmupCount = Math.max(concurrency * 4, 100);
      hooks.log(`${scenario.id}: creating ${warmupCount + options.coldKeys} fresh keys`);
      const names = await createKeys(
        running.endpoint,
        tls,
        `cold${batch}-`,
        warmupCount + options.coldKeys,
      );
      warmupKeys = { names: names.slice(0, warmupCount) };
      measureKeys = { names: names.slice(warmupCount) };
    }
    const result = await generateLoad(
      {
        endpoint: running.endpoint,
        protocol,
        tls,
        concurrency,
        processes: options.loadProcesses,
        sessions: options.h2Sessions,
        warmup: { durationMs: options.warmupMs, maxPairs: options.warmupPairs, keys: warmupKeys },
        measure: { durationMs: options.durationMs, maxPairs: options.maxPairs, keys: measureKeys },
        requestTimeoutMs: options.requestTimeoutMs,
        maxErrors: options.maxErrors,
      },
      {
        beforeMeasure: async (loadPids) => {
          await running.resetBackendCalls?.();
          monitor = new ResourceMonitor(watched);
          loadMonitor = new ResourceMonitor(loadPids.map((pid) => ({ role: "load", pid })));
          monitor.start();
          loadMonitor.start();
        },
        afterMeasure: async () => {
          usage = monitor?.stop() ?? [];
          loadUsage = loadMonitor?.stop() ?? [];
          backendCalls = await running.backendCalls?.();
        },
      },
    );
    const seconds = result.elapsedMs / 1000;
    const processes = Object.fromEntries(usage.map((u) => [u.role, u.cpuSeconds]));
    const totalSeconds = usage.reduce((a, u) => a + u.cpuSeconds, 0);
    const perK = (s: number) => (result.ok > 0 ? (s * 1000) / result.ok : Number.NaN);
    const failed = result.errors > 0 || result.mismatches > 0;
    return {
      protocol,
      concurrency,
      status: failed ? "errors" : "ok",
      pairs: result.ok,
      mismatches: result.mismatches,
      errors: result.errors,
      errorKinds: result.errorKinds,
      ...(result.aborted === undefined ? {} : { aborted: result.aborted }),
      seconds,
      pairsPerSecond: seconds > 0 ? result.ok / seconds : 0,
      latencyMs: {
        pair: summarize(result.pairMs),
        generate: summarize(result.generateMs),
        decrypt: summarize(result.decryptMs),
      },
      cpu: {
        processes,
        totalSeconds,
        perThousandPairs: perK(totalSeconds),
        perThousandPairsByProcess: Object.fromEntries(
          usage.map((u) => [u.role, perK(u.cpuSeconds)]),
        ),
        loadGeneratorSeconds: loadUsage.reduce((a, u) => a + u.cpuSeconds, 0),
      },
      memory: {
        peakRss: Object.fromEntries(usage.map((u) => [u.role, u.peakRss])),
        peakMethod: usage.every((u) => u.peakMethod === "window") ? "window" : "lifetime",
      },
      ...(backendCalls === undefined ? {} : { backendCalls }),
      loadavg: loadavg(),
    };
  } catch (err) {
    monitor?.stop();
    loadMonitor?.stop();
    const failure = err instanceof Error ? err.message : String(err);
    return failedRun(protocol, concurrency, failure);
  }
}

function failedRun(protocol: Protocol, concurrency: number, failure: string): RunResult {
  const empty = summarize([]);
  return {
    protocol,
    concurrency,
    status: "failed",
    failure,
    pairs: 0,
    mismatches: 0,
    errors: 0,
    errorKinds: {},
    seconds: 0,
    pairsPerSecond: 0,
    latencyMs: { pair: empty, generate: empty, decrypt: empty },
    cpu: {
      processes: {},
      totalSeconds: 0,
      perThousandPairs: Number.NaN,
      perThousandPairsByProcess: {},
      loadGeneratorSeconds: 0,
    },
    memory: { peakRss: {}, peakMethod: "lifetime" },
    loadavg: loadavg(),
  };
}

/** Creates `count` keys named prefix0… through the KES API, 16 at a time. */
async function createKeys(
  endpoint: string,
  tls: { ca: string; cert: string; key: string },
  prefix: string,
  count: number,
): Promise<string[]> {
  const transport = createTransport({ protocol: "h2", endpoint, tls, concurrency: 16 });
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  let next = 0;
  try {
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++] as string;
        const answer = await transport.post(`/v1/key/create/${name}`, "", 30_000);
        if (answer.status !== 200) {
          throw new Error(`creating key ${name}: HTTP ${answer.status}: ${answer.body.trim()}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return names;
  } finally {
    await transport.close();
  }
}
