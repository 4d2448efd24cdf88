import { ceilingScenario } from "./ceiling.js";
import { cipherTrustScenario } from "./ciphertrust.js";
import { kesServerScenario } from "./kes-server.js";
import { splitScenario } from "./split.js";
import type { Scenario } from "./types.js";

/** Every scenario, in the order a full run measures them. */
export const SCENARIOS: readonly Scenario[] = [
  ceilingScenario("stream"),
  ceilingScenario("compat"),
  kesServerScenario("fs"),
  kesServerScenario("memory"),
  splitScenario(),
  cipherTrustScenario("warm"),
  cipherTrustScenario("cold"),
];

/** What `pnpm bench` runs without --scenarios. */
export const DEFAULT_SCENARIOS = SCENARIOS.map((s) => s.id);

export type { RunningScenario, Scenario, ScenarioContext } from "./types.js";
