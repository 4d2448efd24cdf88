import { BIN, runCommand } from "./processes.js";
import type { RunningScenario, Scenario } from "./types.js";

const COMMANDS = ["gateway", "crypto", "keystore"] as const;

/** Which of `kes gateway|crypto|keystore` this checkout's kes does not have. */
async function missingCommands(): Promise<string[]> {
  const missing: string[] = [];
  for (const command of COMMANDS) {
    const result = await runCommand(BIN.kes, [command, "--help"], { timeoutMs: 15_000 });
    if (result.code !== 0) missing.push(command);
  }
  return missing;
}

/** The split deployment: gateway, crypto and keystore as three processes with internal mTLS. */
export function splitScenario(): Scenario {
  return {
    id: "split",
    label: "split deployment (3 processes)",
    description: "kes gateway + kes crypto + kes keystore (fs), internal mTLS",
    async unavailable() {
      const missing = await missingCommands();
      if (missing.length > 0) {
        return `not available: this checkout's kes has no ${missing.map((c) => `'kes ${c}'`).join(", ")} command yet`;
      }
      return undefined;
    },
    async start(): Promise<RunningScenario> {
      throw new Error("not available: the split deployment is not wired into the bench yet");
    },
  };
}
