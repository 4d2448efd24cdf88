import { ceilingScenario } from "./ceiling.js";
import { cipherTrustScenario } from "./ciphertrust.js";
import { kesServerScenario } from "./kes-server.js";
import { splitScenario } from "./split.js";
import type { Scenario } from "./types.js";

/** Every scenario, in the order a full run measures them. */
export const SCENARIOS: readonly Scenario[] = [
  ceilingScenario("stream"),
  kesServerScenario("fs"),
  kesServerScenario("memory"),
  splitScenario(),
  cipherTrustScenario("warm"),
  cipherTrustScenario("cold"),
  ceilingScenario("compat"),
];

/** What `pnpm bench` runs without --scenarios. */
export const DEFAULT_SCENARIOS = ["ceiling", "kes-fs", "kes-memory", "split", "cm-warm", "cm-cold"];

export type { RunningScenario, Scenario, ScenarioContext } from "./types.js";
