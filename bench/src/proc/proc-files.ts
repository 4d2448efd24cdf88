import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Readers for Linux /proc: CPU time, memory and the process tree of one pid. Parsers take the
 * file's text so tests can feed them fixed samples; the `read*` functions do the I/O and
 * return undefined when the process is gone (a process may exit between two samples).
 */

/** utime and stime of /proc/<pid>/stat, in clock ticks. */
export interface CpuTicks {
  readonly utime: number;
  readonly stime: number;
}

/** VmRSS (now) and VmHWM (the peak since start or since the last reset), in bytes. */
export interface Memory {
  readonly rss: number;
  readonly hwm: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseStat(text: string): CpuTicks & { readonly ppid: number } {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("/proc stat: no ')' closing the command name");
  // After ')': field 3 (state) is index 0, so field N is index N - 3.
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => {
    const value = Number(fields[n - 3]);
    if (!Number.isInteger(value)) throw new Error(`/proc stat: field ${n} is not an integer`);
    return value;
  };
  return { ppid: field(4), utime: field(14), stime: field(15) };
}

/** Parses /proc/<pid>/status for VmRSS and VmHWM (kB in the file; bytes here). */
export function parseStatus(text: string): Memory {
  const kb = (name: string): number => {
    const match = text.match(new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, "m"));
    if (match === null) throw new Error(`/proc status: no ${name} line`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export function readCpuTicks(pid: number): CpuTicks | undefined {
  const text = readText(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseStat(text);
}

export function readMemory(pid: number): Memory | undefined {
  const text = readText(`/proc/${pid}/status`);
  // A zombie has no Vm* lines any more: it holds no memory.
  if (text === undefined || !/^VmRSS:/m.test(text)) return undefined;
  return parseStatus(text);
}

/**
 * Resets VmHWM to the current RSS (writing 5 to clear_refs, Linux ≥ 4.0). Returns false when
 * the kernel or the permissions do not allow it; VmHWM is then the lifetime peak.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The pid and every descendant (through /proc/<pid>/task/<tid>/children), parents first. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    out.push(p);
    for (const child of children(p)) visit(child);
  };
  visit(pid);
  return out;
}

function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const found = new Set<number>();
  for (const tid of tasks) {
    const text = readText(`/proc/${pid}/task/${tid}/children`) ?? "";
    for (const word of text.split(/\s+/)) if (word !== "") found.add(Number(word));
  }
  return [...found];
}

let ticks: number | undefined;

/** USER_HZ, the unit of utime/stime: `getconf CLK_TCK`, else 100 (every Linux build today). */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
      ticks = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds (user + system) of a tick sample. */
export function cpuSeconds(sample: CpuTicks): number {
  return (sample.utime + sample.stime) / clockTicksPerSecond();
}
