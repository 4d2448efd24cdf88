import type { RunResult, ScenarioResult } from "./results.js";

/** The median of numbers (the lower middle one for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * One result per scenario from several rounds of the same matrix: each protocol × concurrency
 * cell is the round whose run had the median pairs/s (a whole run, so its latency, CPU and
 * memory belong together); startup and idle RSS are medians. A scenario that failed or was not
 * available in any round keeps that status, with the first such round's reason. A cell whose
 * runs had errors in any round is reported from such a round, so errors are never hidden.
 */
export function mergeRounds(rounds: readonly (readonly ScenarioResult[])[]): ScenarioResult[] {
  const first = rounds[0] ?? [];
  return first.map((base) => {
    const all = rounds.map((r) => r.find((s) => s.id === base.id)).filter((s) => s !== undefined);
    const broken = all.find((s) => s.status !== "ok");
    if (broken !== undefined) return broken;
    const cells = new Map<string, RunResult[]>();
    for (const s of all) {
      for (const run of s.runs) {
        const key = `${run.protocol}/${run.concurrency}`;
        cells.set(key, [...(cells.get(key) ?? []), run]);
      }
    }
    const runs = [...cells.values()].map((candidates) => {
      const bad = candidates.find((r) => r.status !== "ok");
      if (bad !== undefined) return bad;
      const mid = median(candidates.map((r) => r.pairsPerSecond));
      return candidates.find((r) => r.pairsPerSecond === mid) ?? (candidates[0] as RunResult);
    });
    const roles = Object.keys(base.idleRss ?? {});
    const startupMs = median(all.map((s) => s.startupMs ?? Number.NaN));
    return {
      ...base,
      ...(startupMs === undefined ? {} : { startupMs }),
      idleRss: Object.fromEntries(
        roles.map((role) => [role, median(all.map((s) => s.idleRss?.[role] ?? Number.NaN)) ?? 0]),
      ),
      runs,
    };
  });
}
