import type { LatencySummary } from "../load/latency.js";
import type { Protocol } from "../load/transport.js";
import type { BenchOptions } from "../options.js";
import type { Ratio } from "./ratios.js";

/** The results file (bench/results/<date>.json). Every number is in it. */
export interface BenchResults {
  readonly schema: 1;
  /** ISO 8601, when the run started. */
  readonly date: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly scenarios: ScenarioResult[];
  readonly ratios: Ratio[];
  readonly profiles?: ProfileResult[];
  /** With --rounds > 1: every round's results (scenarios above are their per-cell medians). */
  readonly rounds?: ScenarioResult[][];
  /** Wall time of the whole bench run, seconds. */
  readonly totalSeconds: number;
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly os: string;
  readonly kernel: string;
  /** os.loadavg() at the start and the end of the run (1, 5, 15 min). */
  readonly loadavgStart: readonly number[];
  readonly loadavgEnd: readonly number[];
}

export interface ScenarioResult {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  /** "not available": cannot run on this checkout; "failed": could not start or stop. */
  readonly status: "ok" | "not available" | "failed";
  readonly reason?: string;
  /** Spawn until the first successful generate, ms. */
  readonly startupMs?: number;
  /** VmRSS per process after startup and `idleMs` without requests, bytes. */
  readonly idleRss?: Record<string, number>;
  readonly runs: RunResult[];
}

export interface RunResult {
  readonly protocol: Protocol;
  readonly concurrency: number;
  /** "errors": the run finished but some pairs failed or mismatched; see the counts. */
  readonly status: "ok" | "errors" | "failed";
  readonly failure?: string;
  /** Pairs whose decrypt returned the generated plaintext. */
  readonly pairs: number;
  readonly mismatches: number;
  readonly errors: number;
  readonly errorKinds: Record<string, number>;
  readonly aborted?: string;
  /** The measured window, seconds. */
  readonly seconds: number;
  readonly pairsPerSecond: number;
  readonly latencyMs: {
    readonly pair: LatencySummary;
    readonly generate: LatencySummary;
    readonly decrypt: LatencySummary;
  };
  readonly cpu: {
    /** CPU seconds over the window per scenario process. */
    readonly processes: Record<string, number>;
    /** All scenario processes together. */
    readonly totalSeconds: number;
    /** totalSeconds per 1,000 matched pairs. */
    readonly perThousandPairs: number;
    readonly perThousandPairsByProcess: Record<string, number>;
    /** The load generator's own CPU (not part of the scenario's). */
    readonly loadGeneratorSeconds: number;
  };
  readonly memory: {
    /** Peak RSS over the window per process, bytes. */
    readonly peakRss: Record<string, number>;
    /** "window" (VmHWM reset at the window's start) or "lifetime" (reset refused). */
    readonly peakMethod: "window" | "lifetime";
  };
  /** Backend requests made during the window (CipherTrust: by route). */
  readonly backendCalls?: Record<string, number>;
  readonly loadavg: readonly number[];
}

export interface ProfileResult {
  readonly scenario: string;
  readonly role: string;
  readonly file: string;
  readonly totalMs: number;
  readonly top: readonly { name: string; where: string; selfMs: number; percent: number }[];
  readonly byPackage: readonly { name: string; selfMs: number; percent: number }[];
}
