import { readdirSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";

/**
 * The process figures KES reports in /v1/status and as kes_system_* metrics, from what Node
 * can measure. Go's figures with no Node counterpart are reported as 0 (documented in the
 * README): the stack in use and the number of heap objects.
 */
export interface SystemStats {
  /** CPUs of the machine (Go: runtime.NumCPU). */
  readonly numCpu: number;
  /** CPUs this process may use (Go: GOMAXPROCS; Node: availableParallelism, which honours affinity). */
  readonly numCpuUsed: number;
  /** OS threads of the process (Go reports goroutines), 1 where /proc is not available. */
  readonly threads: number;
  readonly heapUsed: number;
  readonly heapObjects: number;
  readonly stackUsed: number;
}

export function systemStats(): SystemStats {
  return {
    numCpu: numCpu(),
    numCpuUsed: availableParallelism(),
    threads: threadCount(),
    heapUsed: heapUsed(),
    heapObjects: 0,
    stackUsed: 0,
  };
}

export function numCpu(): number {
  return cpus().length || 1;
}

export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

export function threadCount(): number {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return 1;
  }
}

/** Go's GOOS/GOARCH names for Node's platform and arch, as KES reports them. */
export function goPlatform(): { os: string; arch: string } {
  const arch: Record<string, string> = {
    x64: "amd64",
    ia32: "386",
    arm: "arm",
    arm64: "arm64",
    ppc64: "ppc64le",
    s390x: "s390x",
    riscv64: "riscv64",
    loong64: "loong64",
  };
  const os = process.platform === "win32" ? "windows" : process.platform;
  return { os, arch: arch[process.arch] ?? process.arch };
}
