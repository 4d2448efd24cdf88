import { readFileSync } from "node:fs";
import { cpus, loadavg, type as osType, platform, release, totalmem } from "node:os";
import type { MachineInfo } from "./results.js";

/** What the numbers were measured on. loadavgEnd is filled in at the end of the run. */
export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    os: prettyName() ?? `${osType()} ${platform()}`,
    kernel: release(),
    loadavgStart: loadavg(),
    loadavgEnd: [],
  };
}

function prettyName(): string | undefined {
  try {
    return readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?$/m)?.[1];
  } catch {
    return undefined;
  }
}
