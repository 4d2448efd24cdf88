import type { WatchedProcess } from "../proc/resource-monitor.js";
import type { BenchPki } from "./pki.js";

/** What a scenario gets from the harness. */
export interface ScenarioContext {
  /** A fresh temp directory of its own (removed afterwards). */
  readonly dir: string;
  readonly pki: BenchPki;
  /** Set when the server processes run under `node --cpu-prof`: write profiles here. */
  readonly profileDir?: string;
  /** Progress lines for the operator (stderr). */
  log(message: string): void;
}

/** A scenario whose processes are up and answering. */
export interface RunningScenario {
  readonly endpoint: string;
  /** Every process of the scenario (not the load generator), by role. */
  readonly processes: readonly WatchedProcess[];
  /** The key every warm pair uses; it exists when the scenario is ready. */
  readonly key: string;
  /** Spawn of the first process until the first successful generate, ms. */
  readonly startupMs: number;
  /**
   * Request counters of the backend (e.g. CipherTrust calls by route) since the last reset;
   * undefined when the scenario has none.
   */
  backendCalls?(): Promise<Record<string, number>>;
  resetBackendCalls?(): Promise<void>;
  stop(): Promise<void>;
}

export interface Scenario {
  /** Short id used on the command line and in results, e.g. "kes-fs". */
  readonly id: string;
  readonly label: string;
  /** A word on what runs, for the results and the table. */
  readonly description: string;
  /** Why the scenario cannot run on this checkout, or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  start(ctx: ScenarioContext): Promise<RunningScenario>;
  /** Cold-cache variant: every pair uses a key that was never used (see docs/performance.md). */
  readonly cold?: boolean;
}
