import { parseArgs } from "node:util";
import { errors, parseDuration } from "@kes/core";
import type { Protocol } from "./load/transport.js";

/** Everything a bench run is told; recorded as is in the results. */
export interface BenchOptions {
  readonly scenarios: readonly string[];
  readonly concurrency: readonly number[];
  readonly protocols: readonly Protocol[];
  /** Measured phase of each run: ends at whichever bound comes first. */
  readonly durationMs: number;
  readonly maxPairs: number;
  /** Warm-up of each run (excluded from the results). */
  readonly warmupMs: number;
  readonly warmupPairs: number;
  /** Distinct keys per cold-cache run: its pair bound. */
  readonly coldKeys: number;
  readonly loadProcesses: number;
  readonly h2Sessions: number;
  readonly requestTimeoutMs: number;
  readonly maxErrors: number;
  /** Idle time after ready before the idle RSS is read. */
  readonly idleMs: number;
  readonly outDir: string;
  /** The docs page to regenerate; undefined: leave the docs alone. */
  readonly docs: string | undefined;
  readonly cpuProf: boolean;
  /** Functions shown per profile summary. */
  readonly top: number;
  readonly quick: boolean;
  /** Repetitions of the whole matrix (alternating order); each cell reports the median round. */
  readonly rounds: number;
  /** Regenerate the docs (and the ratios) from this results file instead of measuring. */
  readonly report: string | undefined;
}

export const USAGE = `Usage: pnpm bench [options]

Runs generate+decrypt pairs against each scenario, one scenario at a time, and writes
bench/results/<date>.json and the table in docs/performance.md.

  --scenarios <list>     ceiling,kes-fs,kes-memory,split,cm-warm,cm-cold,ceiling-compat
                         (default: all)
  --concurrency <list>   concurrent pairs in flight (default 1,16,64)
  --protocols <list>     h2,h1 (default both)
  --duration <d>         measured phase per run, Go duration (default 6s)
  --pairs <n>            at most n pairs per measured phase (default 1000000)
  --warmup <d>           warm-up per run, not measured (default 2s)
  --warmup-pairs <n>     at most n warm-up pairs (default 100000)
  --cold-keys <n>        distinct keys per cold-cache run (default 2000)
  --load-processes <n>   load generator processes (default 1)
  --h2-sessions <n>      HTTP/2 sessions per load process (default 1)
  --request-timeout <d>  per request (default 10s)
  --max-errors <n>       stop a run after n failed pairs (default 100)
  --idle <d>             wait after ready before reading the idle RSS (default 1s)
  --out <dir>            results directory (default bench/results)
  --docs <file>          page to regenerate (default docs/performance.md)
  --no-docs              do not touch the docs
  --rounds <n>           run the whole matrix n times, alternating the scenario order;
                         each cell reports its median round (default 1)
  --quick                short runs: --duration 2s --warmup 1s --cold-keys 600 --protocols h2
  --cpu-prof             run the servers under node --cpu-prof; profiles go to
                         <out>/profiles/<date>/ and their summary to the docs
  --top <n>              functions per profile summary (default 15)
  --report <file>        measure nothing: recompute the ratios of a results file and
                         regenerate the docs from it
  -h, --help             this text
`;

const ALL_PROTOCOLS: readonly Protocol[] = ["h2", "h1"];

function list(flag: string, text: string): string[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw errors.invalidArgument(`${flag}: the list is empty`);
  return items;
}

function positiveInt(flag: string, text: string, max = 10_000_000): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw errors.invalidArgument(
      `${flag}: expected a whole number from 1 to ${max}, got '${text}'`,
    );
  }
  return value;
}

function duration(flag: string, text: string, minMs: number): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw errors.invalidArgument(`${flag}: expected a duration such as 8s or 500ms, got '${text}'`);
  }
  if (!(ms >= minMs)) {
    throw errors.invalidArgument(`${flag}: must be at least ${minMs} ms, got '${text}'`);
  }
  return ms;
}

/**
 * Parses `pnpm bench` flags. Every bad value is refused with the flag's name; unknown
 * scenario names are checked by the caller against the scenario table.
 */
export function parseOptions(
  argv: readonly string[],
  knownScenarios: readonly string[],
  defaults: {
    readonly scenarios: readonly string[];
    readonly outDir: string;
    readonly docs: string;
  },
): BenchOptions | "help" {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof SPEC; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: SPEC, strict: true, allowPositionals: false });
  } catch (err) {
    throw errors.invalidArgument(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return "help";
  const quick = v.quick === true;
  const scenarios =
    v.scenarios === undefined ? [...defaults.scenarios] : list("--scenarios", v.scenarios);
  for (const s of scenarios) {
    if (!knownScenarios.includes(s)) {
      throw errors.invalidArgument(
        `--scenarios: unknown scenario '${s}' (known: ${knownScenarios.join(", ")})`,
      );
    }
  }
  const concurrency = list("--concurrency", v.concurrency ?? "1,16,64").map((c) =>
    positiveInt("--concurrency", c, 1024),
  );
  const protocols = list("--protocols", v.protocols ?? (quick ? "h2" : "h2,h1")).map((p) => {
    if (!(ALL_PROTOCOLS as readonly string[]).includes(p)) {
      throw errors.invalidArgument(`--protocols: expected h2 or h1, got '${p}'`);
    }
    return p as Protocol;
  });
  if (v["no-docs"] && v.docs !== undefined) {
    throw errors.invalidArgument("--docs and --no-docs cannot be used together");
  }
  return {
    scenarios: dedupe(scenarios),
    concurrency: dedupe(concurrency),
    protocols: dedupe(protocols),
    durationMs: duration("--duration", v.duration ?? (quick ? "2s" : "6s"), 100),
    maxPairs: positiveInt("--pairs", v.pairs ?? "1000000"),
    warmupMs: duration("--warmup", v.warmup ?? (quick ? "1s" : "2s"), 0),
    warmupPairs: positiveInt("--warmup-pairs", v["warmup-pairs"] ?? "100000"),
    coldKeys: positiveInt("--cold-keys", v["cold-keys"] ?? (quick ? "600" : "2000"), 1_000_000),
    loadProcesses: positiveInt("--load-processes", v["load-processes"] ?? "1", 64),
    h2Sessions: positiveInt("--h2-sessions", v["h2-sessions"] ?? "1", 64),
    requestTimeoutMs: duration("--request-timeout", v["request-timeout"] ?? "10s", 1),
    maxErrors: positiveInt("--max-errors", v["max-errors"] ?? "100"),
    idleMs: duration("--idle", v.idle ?? "1s", 0),
    outDir: v.out ?? defaults.outDir,
    docs: v["no-docs"] ? undefined : (v.docs ?? defaults.docs),
    cpuProf: v["cpu-prof"] === true,
    top: positiveInt("--top", v.top ?? "15", 1000),
    quick,
    rounds: positiveInt("--rounds", v.rounds ?? "1", 20),
    report: v.report,
  };
}

function dedupe<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

const SPEC = {
  scenarios: { type: "string" },
  concurrency: { type: "string" },
  protocols: { type: "string" },
  duration: { type: "string" },
  pairs: { type: "string" },
  warmup: { type: "string" },
  "warmup-pairs": { type: "string" },
  "cold-keys": { type: "string" },
  "load-processes": { type: "string" },
  "h2-sessions": { type: "string" },
  "request-timeout": { type: "string" },
  "max-errors": { type: "string" },
  idle: { type: "string" },
  out: { type: "string" },
  docs: { type: "string" },
  "no-docs": { type: "boolean" },
  quick: { type: "boolean" },
  "cpu-prof": { type: "boolean" },
  top: { type: "string" },
  report: { type: "string" },
  rounds: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
