import {
  type CpuTicks,
  clockTicksPerSecond,
  processTree,
  readCpuTicks,
  readMemory,
  resetPeak,
} from "./proc-files.js";

/** A process of a scenario, by its role ("kes server", "crypto", "ciphertrust-sim", …). */
export interface WatchedProcess {
  readonly role: string;
  readonly pid: number;
}

/** What one process used during a measured window. */
export interface ProcessUsage {
  readonly role: string;
  readonly pid: number;
  /** utime + stime over the window, the process and its descendants. */
  readonly cpuSeconds: number;
  /** Peak RSS over the window, bytes (see peakMethod). */
  readonly peakRss: number;
  /** The largest VmRSS seen by sampling every sampleMs. */
  readonly sampledPeakRss: number;
  /**
   * "window": VmHWM after resetting it at the window's start (clear_refs), so the window's own
   * peak; "lifetime": the reset was refused and VmHWM is the peak since the process started.
   */
  readonly peakMethod: "window" | "lifetime";
}

const SAMPLE_MS = 100;

/**
 * Brackets a measured window: `start()` snapshots CPU ticks and resets the peak RSS of every
 * watched process tree, samples RSS until `stop()`, which returns the usage per process.
 */
export class ResourceMonitor {
  private readonly startTicks = new Map<number, CpuTicks>();
  private readonly sampled = new Map<number, number>();
  private readonly resetOk = new Map<number, boolean>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly processes: readonly WatchedProcess[]) {}

  start(): void {
    for (const { pid } of this.processes) {
      this.startTicks.set(pid, treeTicks(pid));
      this.resetOk.set(pid, processTree(pid).every(resetPeak));
      this.sampled.set(pid, treeMemory(pid).rss);
    }
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): ProcessUsage[] {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sample();
    const hz = clockTicksPerSecond();
    return this.processes.map(({ role, pid }) => {
      const before = this.startTicks.get(pid) ?? { utime: 0, stime: 0 };
      const after = treeTicks(pid);
      const ticks = after.utime + after.stime - (before.utime + before.stime);
      const memory = treeMemory(pid);
      const sampledPeakRss = this.sampled.get(pid) ?? 0;
      const window = this.resetOk.get(pid) === true;
      return {
        role,
        pid,
        cpuSeconds: Math.max(0, ticks) / hz,
        // VmHWM is only a few pages' worth ahead of a sample, but never behind it.
        peakRss: Math.max(memory.hwm, sampledPeakRss),
        sampledPeakRss,
        peakMethod: window ? "window" : "lifetime",
      };
    });
  }

  private sample(): void {
    for (const { pid } of this.processes) {
      const rss = treeMemory(pid).rss;
      if (rss > (this.sampled.get(pid) ?? 0)) this.sampled.set(pid, rss);
    }
  }
}

/** CPU ticks of a process and its descendants (a shell shim and the node it runs, say). */
export function treeTicks(pid: number): CpuTicks {
  let utime = 0;
  let stime = 0;
  for (const p of processTree(pid)) {
    const t = readCpuTicks(p);
    if (t === undefined) continue;
    utime += t.utime;
    stime += t.stime;
  }
  return { utime, stime };
}

/** Summed VmRSS and VmHWM of a process tree, bytes. */
export function treeMemory(pid: number): { rss: number; hwm: number } {
  let rss = 0;
  let hwm = 0;
  for (const p of processTree(pid)) {
    const m = readMemory(p);
    if (m === undefined) continue;
    rss += m.rss;
    hwm += m.hwm;
  }
  return { rss, hwm };
}
