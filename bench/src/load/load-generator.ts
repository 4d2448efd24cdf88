import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { KeySource, LoadPlan, PhaseBounds, PhaseResult } from "./load-run.js";
import type { FromWorker, ToWorker, WorkerJob } from "./protocol.js";
import type { ClientTls, Protocol } from "./transport.js";

const WORKER = fileURLToPath(new URL("./worker.js", import.meta.url));

export interface LoadJob {
  readonly endpoint: string;
  readonly protocol: Protocol;
  readonly tls: ClientTls;
  readonly concurrency: number;
  /** Load processes; the concurrency, pair counts and key lists are split between them. */
  readonly processes: number;
  /** HTTP/2 sessions per load process. */
  readonly sessions: number;
  readonly warmup: PhaseBounds & { readonly keys: KeySource };
  readonly measure: PhaseBounds & { readonly keys: KeySource };
  readonly requestTimeoutMs: number;
  readonly maxErrors: number;
}

export interface LoadHooks {
  /** Every load process has warmed up and drained: snapshot now. Gets their pids. */
  beforeMeasure(loadPids: readonly number[]): Promise<void> | void;
  /** Every load process has finished the measured phase (called before the merge). */
  afterMeasure(): Promise<void> | void;
}

/**
 * Runs a load job in separate processes (never in the bench's own event loop, so the
 * orchestration and /proc sampling do not slow the load down) and merges their results.
 */
export async function generateLoad(job: LoadJob, hooks: LoadHooks): Promise<PhaseResult> {
  const parts = splitJob(job);
  const workers = parts.map(() =>
    fork(WORKER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced" }),
  );
  // Nothing may hang the bench: a generous bound over both phases, then the workers die.
  const limitMs = job.warmup.durationMs + job.measure.durationMs + 60_000;
  let timer: NodeJS.Timeout | undefined;
  const overtime = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the load processes did not finish within ${limitMs} ms`)),
      limitMs,
    );
  });
  try {
    const warmed = workers.map((w) => expect(w, "warmed-up"));
    const results = workers.map((w) => expect(w, "result"));
    for (const p of results) p.catch(() => {}); // awaited below; not unhandled meanwhile
    for (const [i, w] of workers.entries()) {
      w.send({ type: "job", job: parts[i] as WorkerJob } satisfies ToWorker);
    }
    await Promise.race([Promise.all(warmed), overtime]);
    await hooks.beforeMeasure(workers.map((w) => w.pid ?? 0));
    for (const w of workers) w.send({ type: "measure" } satisfies ToWorker);
    const done = await Promise.race([Promise.all(results), overtime]);
    await hooks.afterMeasure();
    return mergeResults(done.map((m) => (m as Extract<FromWorker, { type: "result" }>).result));
  } finally {
    clearTimeout(timer);
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
  }
}

/** The next message of `type` from a load process; rejects on "failed" or an early exit. */
function expect(worker: ChildProcess, type: FromWorker["type"]): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      if (message.type === type) {
        cleanup();
        resolve(message);
      } else if (message.type === "failed") {
        cleanup();
        reject(new Error(`a load process failed: ${message.message}`));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`a load process exited (${signal ?? code}) before sending "${type}"`));
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("exit", onExit);
  });
}

/** Splits a job into per-process jobs: concurrency, pair bounds and distinct keys. */
export function splitJob(job: LoadJob): WorkerJob[] {
  const n = Math.max(1, Math.min(job.processes, job.concurrency));
  return Array.from({ length: n }, (_, i) => {
    const plan: LoadPlan = {
      concurrency: share(job.concurrency, n, i),
      warmup: splitPhase(job.warmup, n, i),
      measure: splitPhase(job.measure, n, i),
      requestTimeoutMs: job.requestTimeoutMs,
      maxErrors: Math.max(1, share(job.maxErrors, n, i)),
    };
    return {
      endpoint: job.endpoint,
      protocol: job.protocol,
      tls: job.tls,
      sessions: job.sessions,
      plan,
    };
  });
}

function splitPhase(
  phase: PhaseBounds & { readonly keys: KeySource },
  n: number,
  i: number,
): PhaseBounds & { keys: KeySource } {
  const keys = phase.keys;
  return {
    durationMs: phase.durationMs,
    maxPairs: share(phase.maxPairs, n, i),
    keys: "names" in keys ? { names: keys.names.filter((_, k) => k % n === i) } : keys,
  };
}

/** Part i of `total` split into n near-equal integer parts (the first ones get the rest). */
export function share(total: number, n: number, i: number): number {
  if (!Number.isFinite(total)) return total;
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}

/** One result from several processes' (they ran side by side: elapsed is the longest). */
export function mergeResults(results: readonly PhaseResult[]): PhaseResult {
  const errorKinds: Record<string, number> = {};
  for (const r of results) {
    for (const [kind, count] of Object.entries(r.errorKinds)) {
      errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
    }
  }
  const aborted = results.find((r) => r.aborted !== undefined)?.aborted;
  return {
    ok: sum(results.map((r) => r.ok)),
    mismatches: sum(results.map((r) => r.mismatches)),
    errors: sum(results.map((r) => r.errors)),
    errorKinds,
    ...(aborted === undefined ? {} : { aborted }),
    elapsedMs: Math.max(0, ...results.map((r) => r.elapsedMs)),
    pairMs: results.flatMap((r) => r.pairMs),
    generateMs: results.flatMap((r) => r.generateMs),
    decryptMs: results.flatMap((r) => r.decryptMs),
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
