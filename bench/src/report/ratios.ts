import type { Protocol } from "../load/transport.js";
import type { RunResult, ScenarioResult } from "./results.js";

/** One target of issue #5, measured. */
export interface Ratio {
  readonly name: string;
  /** e.g. "≥ 0.9" or "≤ 150 MB" */
  readonly target: string;
  /** undefined when an input is missing (see note). */
  readonly value?: number;
  readonly unit?: string;
  /**
   * PASS/FAIL against the target; "n/a" when it cannot be computed; "INVALID" when an input
   * run had failed or mismatched pairs (the number is shown but not judged); "info": a number
   * with no target.
   */
  readonly verdict: "PASS" | "FAIL" | "n/a" | "INVALID" | "info";
  readonly note?: string;
}

const KES = "kes-fs";
const MB = 1_000_000;

/** The ratios from one run's scenarios (side by side, same settings). */
export function computeRatios(
  scenarios: readonly ScenarioResult[],
  protocols: readonly Protocol[],
): Ratio[] {
  const find = (id: string) => scenarios.find((s) => s.id === id && s.status === "ok");
  const run = (id: string, protocol: Protocol, c: number) =>
    find(id)?.runs.find((r) => r.protocol === protocol && r.concurrency === c);
  const out: Ratio[] = [];

  for (const protocol of protocols) {
    for (const c of [16, 64]) {
      const kes = run(KES, protocol, c);
      const ceiling = run("ceiling", protocol, c);
      out.push(
        compare(
          `kes server / ceiling pairs/s, c=${c}, ${protocol}`,
          kes,
          ceiling,
          ">=",
          0.9,
          (r) => r.pairsPerSecond,
        ),
        compare(
          `kes server / ceiling p99 pair latency, c=${c}, ${protocol}`,
          kes,
          ceiling,
          "<=",
          1.5,
          (r) => r.latencyMs.pair.p99,
        ),
      );
    }
  }
  for (const protocol of protocols) {
    for (const c of [16, 64]) {
      out.push(
        compare(
          `split / kes server pairs/s, c=${c}, ${protocol}`,
          run("split", protocol, c),
          run(KES, protocol, c),
          ">=",
          0.6,
          (r) => r.pairsPerSecond,
        ),
        compare(
          `CipherTrust warm / fs pairs/s, c=${c}, ${protocol}`,
          run("cm-warm", protocol, c),
          run(KES, protocol, c),
          ">=",
          0.95,
          (r) => r.pairsPerSecond,
        ),
      );
    }
  }
  out.push(...hopCost(scenarios, protocols, run));
  // CPU per pair is far less sensitive than pairs/s to other load on the machine: no target,
  // but the same comparisons in CPU terms.
  const cpu = (r: RunResult) => r.cpu.perThousandPairs;
  for (const protocol of protocols) {
    for (const c of [16, 64]) {
      const kes = run(KES, protocol, c);
      for (const [name, a, b] of [
        ["kes server / ceiling", kes, run("ceiling", protocol, c)],
        [
          "ceiling-compat / ceiling",
          run("ceiling-compat", protocol, c),
          run("ceiling", protocol, c),
        ],
        ["split / kes server", run("split", protocol, c), kes],
        ["CipherTrust warm / fs", run("cm-warm", protocol, c), kes],
      ] as const) {
        const ratio = compare(`${name} CPU per pair, c=${c}, ${protocol}`, a, b, "<=", 0, cpu);
        out.push({
          ...ratio,
          target: "—",
          verdict: ratio.verdict === "FAIL" || ratio.verdict === "PASS" ? "info" : ratio.verdict,
        });
      }
    }
  }

  const kes = find(KES);
  const peak =
    kes === undefined || kes.runs.length === 0
      ? undefined
      : Math.max(...kes.runs.map((r) => r.memory.peakRss["kes server"] ?? 0));
  out.push(
    limit(
      "kes server RSS under load (peak over its runs)",
      peak,
      150 * MB,
      "MB",
      MB,
      kes?.runs.some(bad) === true,
    ),
  );
  out.push(
    limit(
      "kes server RSS idle after startup",
      kes?.idleRss?.["kes server"],
      100 * MB,
      "MB",
      MB,
      false,
    ),
  );
  out.push(limit("kes server startup to ready", kes?.startupMs, 1_500, "ms", 1, false));
  return out;
}

const bad = (r: RunResult) => r.status !== "ok";

function compare(
  name: string,
  a: RunResult | undefined,
  b: RunResult | undefined,
  op: ">=" | "<=",
  target: number,
  metric: (r: RunResult) => number,
): Ratio {
  const shown = `${op === ">=" ? "≥" : "≤"} ${target}`;
  if (a === undefined || b === undefined) {
    return { name, target: shown, verdict: "n/a", note: "not measured in this run" };
  }
  const denominator = metric(b);
  const value = denominator > 0 ? metric(a) / denominator : Number.NaN;
  if (!Number.isFinite(value)) {
    return { name, target: shown, verdict: "n/a", note: "no successful pairs to compare" };
  }
  if (bad(a) || bad(b)) {
    return { name, target: shown, value, verdict: "INVALID", note: "an input run had errors" };
  }
  const pass = op === ">=" ? value >= target : value <= target;
  return { name, target: shown, value, verdict: pass ? "PASS" : "FAIL" };
}

function limit(
  name: string,
  value: number | undefined,
  max: number,
  unit: string,
  scale: number,
  invalid: boolean,
): Ratio {
  const target = `≤ ${max / scale} ${unit}`;
  if (value === undefined)
    return { name, target, verdict: "n/a", note: "not measured in this run" };
  const shown = value / scale;
  if (invalid)
    return {
      name,
      target,
      value: shown,
      unit,
      verdict: "INVALID",
      note: "an input run had errors",
    };
  return { name, target, value: shown, unit, verdict: value <= max ? "PASS" : "FAIL" };
}

/**
 * The gRPC hop's CPU cost per request: the split deployment's CPU per pair minus kes
 * server's, over the two requests of a pair (both cross gateway → crypto).
 */
function hopCost(
  scenarios: readonly ScenarioResult[],
  protocols: readonly Protocol[],
  run: (id: string, p: Protocol, c: number) => RunResult | undefined,
): Ratio[] {
  const out: Ratio[] = [];
  if (!scenarios.some((s) => s.id === "split" && s.status === "ok")) {
    return [
      {
        name: "gRPC hop CPU per request (split − kes server)",
        target: "—",
        verdict: "n/a",
        note: "split deployment not measured",
      },
    ];
  }
  for (const protocol of protocols) {
    for (const c of [16, 64]) {
      const split = run("split", protocol, c);
      const kes = run(KES, protocol, c);
      const name = `gRPC hop CPU per request, c=${c}, ${protocol}`;
      if (split === undefined || kes === undefined) {
        out.push({ name, target: "—", verdict: "n/a", note: "not measured in this run" });
        continue;
      }
      // CPU seconds per 1,000 pairs = ms per pair; two requests per pair.
      const value = (split.cpu.perThousandPairs - kes.cpu.perThousandPairs) / 2;
      out.push({
        name,
        target: "—",
        value,
        unit: "ms",
        verdict: bad(split) || bad(kes) ? "INVALID" : "info",
      });
    }
  }
  return out;
}
