import { performance } from "node:perf_hooks";
import { LatencyRecorder } from "./latency.js";
import { type PairStats, runPair } from "./pairs.js";
import type { Transport } from "./transport.js";

/**
 * Which key each pair uses: one name for every pair (the warm path), or a list of distinct
 * names each used by exactly one pair (the cold path: the phase ends when they run out).
 */
export type KeySource = { readonly name: string } | { readonly names: readonly string[] };

/** A phase ends at whichever bound comes first. */
export interface PhaseBounds {
  readonly maxPairs: number;
  readonly durationMs: number;
}

export interface LoadPlan {
  readonly concurrency: number;
  readonly warmup: PhaseBounds & { readonly keys: KeySource };
  readonly measure: PhaseBounds & { readonly keys: KeySource };
  readonly requestTimeoutMs: number;
  /** A phase stops early after this many failed pairs. */
  readonly maxErrors: number;
}

/** The measured phase, as plain data (it crosses process boundaries). */
export interface PhaseResult {
  readonly ok: number;
  readonly mismatches: number;
  readonly errors: number;
  readonly errorKinds: Record<string, number>;
  /** Why the phase stopped before its bounds, if it did. */
  readonly aborted?: string;
  /** From the first pair's start until the last pair ended (all drained). */
  readonly elapsedMs: number;
  /** Latencies in ms, every value: whole pairs, and each request. */
  readonly pairMs: number[];
  readonly generateMs: number[];
  readonly decryptMs: number[];
}

/**
 * Runs `concurrency` closed-loop workers over pairs: a warm-up phase (discarded), then
 * `beforeMeasure` (where the caller snapshots resources: no request is in flight then), then
 * the measured phase, drained before it returns.
 */
export async function runLoad(
  transport: Transport,
  plan: LoadPlan,
  beforeMeasure: () => Promise<void> = async () => {},
): Promise<PhaseResult> {
  await runPhase(transport, plan, plan.warmup);
  await beforeMeasure();
  return runPhase(transport, plan, plan.measure);
}

export async function runPhase(
  transport: Transport,
  plan: LoadPlan,
  phase: PhaseBounds & { readonly keys: KeySource },
): Promise<PhaseResult> {
  const stats: PairStats = {
    pair: new LatencyRecorder(),
    generate: new LatencyRecorder(),
    decrypt: new LatencyRecorder(),
    ok: 0,
    mismatches: 0,
    errors: 0,
    errorKinds: new Map(),
  };
  const keys = phase.keys;
  const maxPairs =
    "names" in keys ? Math.min(phase.maxPairs, keys.names.length) : Math.max(0, phase.maxPairs);
  const start = performance.now();
  const deadline = start + phase.durationMs;
  let started = 0;
  let aborted: string | undefined;
  const worker = async () => {
    while (started < maxPairs && aborted === undefined && performance.now() < deadline) {
      const index = started++;
      const key = "names" in keys ? (keys.names[index] as string) : keys.name;
      await runPair(transport, key, plan.requestTimeoutMs, stats);
      if (stats.errors >= plan.maxErrors && aborted === undefined) {
        aborted = `stopped after ${stats.errors} failed pairs`;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  return {
    ok: stats.ok,
    mismatches: stats.mismatches,
    errors: stats.errors,
    errorKinds: Object.fromEntries(stats.errorKinds),
    ...(aborted === undefined ? {} : { aborted }),
    elapsedMs,
    pairMs: stats.pair.toArray(),
    generateMs: stats.generate.toArray(),
    decryptMs: stats.decrypt.toArray(),
  };
}
