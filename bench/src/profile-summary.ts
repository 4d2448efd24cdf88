/**
 * Summarises V8 .cpuprofile files (from `node --cpu-prof`): the functions with the most SELF
 * time (time on top of the stack), and self time by package, so a profile can be read without
 * DevTools.
 *
 *   node bench/dist/profile-summary.js [--top N] <file.cpuprofile | dir>...
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

/** The parts of the .cpuprofile format (Chrome DevTools Profiler.Profile) we read. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** µs since the previous sample; timeDeltas[i] is the time before samples[i]. */
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  readonly name: string;
  /** file:line, relative to the repository where possible */
  readonly where: string;
  readonly selfMs: number;
  /** Of the profile's busy time (idle excluded). */
  readonly percent: number;
}

export interface ProfileSummary {
  /** All sampled time except (idle), ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly top: FunctionTime[];
  readonly byPackage: { name: string; selfMs: number; percent: number }[];
}

/**
 * Self time per function from the samples: each sample's time is the delta that FOLLOWS it
 * (the next sample's timeDelta), the usual reading of V8's sampling profile.
 */
export function summarizeProfile(profile: CpuProfile, top = 15, root = ""): ProfileSummary {
  if (
    !Array.isArray(profile.nodes) ||
    !Array.isArray(profile.samples) ||
    !Array.isArray(profile.timeDeltas)
  ) {
    throw new Error("not a .cpuprofile: nodes, samples and timeDeltas are required");
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const packages = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
    if (name === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = location(frame, root);
    const key = `${name}\u0000${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const pkg = packageOf(frame.url, name);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const percent = (us: number) => (busyUs > 0 ? (100 * us) / busyUs : 0);
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, percent: percent(f.us) })),
    byPackage: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: percent(us) })),
  };
}

function location(frame: CallFrame, root: string): string {
  if (frame.url === "") return "";
  let file = frame.url.replace(/^file:\/\//, "");
  if (root !== "" && file.startsWith(root)) file = relative(root, file);
  // V8's line numbers are 0-based.
  return `${file}:${frame.lineNumber + 1}`;
}

/**
 * Where self time went, coarsely: V8 pseudo-frames ((garbage collector), (program)), Node's
 * own JavaScript (node:*), a dependency (its npm name) or a workspace package (its folder).
 */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node (internal JS)";
  const path = url.replace(/^file:\/\//, "");
  const modules = path.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = path.slice(modules + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? path);
  }
  const workspace = path.match(/\/(packages|services|bench|examples)\/([^/]+)\//);
  if (workspace !== null) return `${workspace[1]}/${workspace[2]}`;
  return path;
}

/** Formats a summary as text (what the CLI prints). */
export function formatSummary(title: string, s: ProfileSummary): string {
  const lines = [`${title}: ${s.busyMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle`];
  lines.push("  self ms     %   function (file:line)");
  for (const f of s.top) {
    lines.push(
      `  ${f.selfMs.toFixed(1).padStart(7)} ${f.percent.toFixed(1).padStart(5)}   ${f.name}${f.where === "" ? "" : ` (${f.where})`}`,
    );
  }
  lines.push("  by package:");
  for (const p of s.byPackage.slice(0, 12)) {
    lines.push(
      `  ${p.selfMs.toFixed(1).padStart(7)} ${p.percent.toFixed(1).padStart(5)}   ${p.name}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Every .cpuprofile under the given files and directories. */
export function findProfiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(p).isDirectory();
    } catch {
      throw new Error(`${p}: no such file or directory`);
    }
    if (isDirectory) {
      for (const entry of readdirSync(p).sort()) walk(join(p, entry));
    } else if (p.endsWith(".cpuprofile")) out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}

function main(argv: readonly string[]): void {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { top: { type: "string" } },
    allowPositionals: true,
  });
  const top = Number(values.top ?? "15");
  if (!Number.isInteger(top) || top < 1)
    throw new Error(`--top: expected a whole number ≥ 1, got '${values.top}'`);
  if (positionals.length === 0)
    throw new Error("usage: profile-summary [--top N] <file.cpuprofile | dir>...");
  const files = findProfiles(positionals);
  if (files.length === 0) throw new Error(`no .cpuprofile files in ${positionals.join(", ")}`);
  const root = fileURLToPath(new URL("../../", import.meta.url));
  for (const file of files) {
    process.stdout.write(
      formatSummary(relative(process.cwd(), file), summarizeProfile(readProfile(file), top, root)),
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`profile-summary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
