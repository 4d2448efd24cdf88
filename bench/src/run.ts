/**
 * `pnpm bench`: runs the scenario matrix, writes bench/results/<date>.json and regenerates the
 * tables in docs/performance.md. See `pnpm bench --help` and docs/performance.md.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runScenarios } from "./bench.js";
import { type BenchOptions, parseOptions, USAGE } from "./options.js";
import { findProfiles, formatSummary, readProfile, summarizeProfile } from "./profile-summary.js";
import { machineInfo } from "./report/machine.js";
import {
  PROFILE_BEGIN,
  PROFILE_END,
  profileMarkdown,
  RESULTS_BEGIN,
  RESULTS_END,
  replaceSection,
  resultsMarkdown,
} from "./report/markdown.js";
import { computeRatios } from "./report/ratios.js";
import type { BenchResults, ProfileResult, ScenarioResult } from "./report/results.js";
import { DEFAULT_SCENARIOS, SCENARIOS } from "./scenarios/index.js";
import { killAll, REPO_ROOT } from "./scenarios/processes.js";

export interface RunOutcome {
  readonly results: BenchResults;
  readonly file: string;
}

/** Runs the bench with parsed options; returns the results and where they were written. */
export async function runBench(
  options: BenchOptions,
  command: string,
  log: (line: string) => void,
): Promise<RunOutcome> {
  const started = Date.now();
  const date = new Date(started).toISOString();
  const stamp = date.replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
  const machine = machineInfo();
  log(
    `kes bench ${date}: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadavgStart.map((v) => v.toFixed(2)).join(" ")}`,
  );
  const profileRoot = options.cpuProf ? join(options.outDir, "profiles", stamp) : undefined;
  const chosen = SCENARIOS.filter((s) => options.scenarios.includes(s.id));
  let rounds: ScenarioResult[][] = [];
  const scenarios = await runScenarios(
    chosen,
    options,
    {
      log,
      ...(profileRoot === undefined ? {} : { profileDir: (id: string) => join(profileRoot, id) }),
    },
    (all) => {
      rounds = all;
    },
  );
  const profiles =
    profileRoot === undefined ? undefined : summarizeAll(profileRoot, options.top, log);
  const results: BenchResults = {
    schema: 1,
    date,
    command,
    machine: { ...machine, loadavgEnd: loadavg() },
    options,
    scenarios,
    ratios: computeRatios(scenarios, options.protocols),
    ...(profiles === undefined ? {} : { profiles }),
    ...(rounds.length > 1 ? { rounds } : {}),
    totalSeconds: (Date.now() - started) / 1000,
  };
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, `${stamp}${options.cpuProf ? "-cpu-prof" : ""}.json`);
  await writeFile(file, `${JSON.stringify(results, jsonNumbers, 2)}\n`);
  log(`results: ${relative(process.cwd(), file)}`);
  if (options.docs !== undefined) {
    await updateDocs(options.docs, results, relative(REPO_ROOT, file));
    log(`docs: ${relative(process.cwd(), options.docs)}`);
  }
  return { results, file };
}

/** NaN and ±Infinity are not JSON: write null for "not measured". */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

function summarizeAll(dir: string, top: number, log: (line: string) => void): ProfileResult[] {
  let files: string[];
  try {
    files = findProfiles([dir]);
  } catch {
    files = [];
  }
  if (files.length === 0) log(`no .cpuprofile was written under ${dir}`);
  return files.map((file) => {
    const summary = summarizeProfile(readProfile(file), top, `${REPO_ROOT}/`);
    const [scenario = "", role = ""] = relative(dir, file).split("/");
    log(formatSummary(relative(process.cwd(), file), summary).trimEnd());
    return {
      scenario,
      role,
      file: relative(REPO_ROOT, file),
      totalMs: summary.busyMs,
      top: summary.top,
      byPackage: summary.byPackage,
    };
  });
}

const DOCS_INTRO = `# Performance

How fast \`kes server\` answers \`generate\` + \`decrypt\`, measured by \`pnpm bench\`.
`;

async function updateDocs(file: string, results: BenchResults, resultsFile: string): Promise<void> {
  let page: string;
  try {
    page = await readFile(file, "utf8");
  } catch {
    page = DOCS_INTRO;
  }
  if (results.profiles !== undefined) {
    page = replaceSection(
      page,
      PROFILE_BEGIN,
      PROFILE_END,
      profileMarkdown(results.profiles, results.date, results.command),
    );
  } else {
    page = replaceSection(page, RESULTS_BEGIN, RESULTS_END, resultsMarkdown(results, resultsFile));
  }
  await writeFile(file, page);
}

/** --report: ratios recomputed (the formulas may have changed) and the docs regenerated. */
async function report(file: string, docs: string | undefined): Promise<void> {
  const stored = JSON.parse(await readFile(file, "utf8")) as BenchResults;
  // null in the file stands for "not measured" (NaN before it was written).
  const revive = (value: unknown): unknown =>
    value === null
      ? Number.NaN
      : Array.isArray(value)
        ? value.map(revive)
        : typeof value === "object"
          ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, revive(v)]))
          : value;
  const results = revive(stored) as BenchResults;
  const updated: BenchResults = {
    ...results,
    ratios: computeRatios(results.scenarios, results.options.protocols),
  };
  await writeFile(file, `${JSON.stringify(updated, jsonNumbers, 2)}\n`);
  if (docs !== undefined) await updateDocs(docs, updated, relative(REPO_ROOT, file));
  for (const r of updated.ratios) process.stdout.write(`${r.verdict.padEnd(8)} ${r.name}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(
      argv,
      SCENARIOS.map((s) => s.id),
      {
        scenarios: DEFAULT_SCENARIOS,
        outDir: join(REPO_ROOT, "bench/results"),
        docs: join(REPO_ROOT, "docs/performance.md"),
      },
    );
  } catch (err) {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.report !== undefined) {
    await report(resolve(options.report), options.docs);
    return 0;
  }
  const opts: BenchOptions = {
    ...options,
    outDir: resolve(options.outDir),
    ...(options.docs === undefined ? {} : { docs: resolve(options.docs) }),
  };
  const interrupted = () => {
    killAll();
    process.stderr.write("\ninterrupted: every process the bench started was killed\n");
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const command = ["pnpm bench", ...argv].join(" ");
  try {
    const { results } = await runBench(opts, command, (line) => process.stderr.write(`${line}\n`));
    for (const r of results.ratios) {
      process.stdout.write(
        `${r.verdict.padEnd(8)} ${r.name}: ${r.value === undefined ? "–" : r.value.toFixed(3)}${r.unit ? ` ${r.unit}` : ""} (target ${r.target})${r.note ? ` — ${r.note}` : ""}\n`,
      );
    }
    const broken = results.scenarios.flatMap((s) => s.runs.filter((run) => run.status !== "ok"));
    if (broken.length > 0 || results.scenarios.some((s) => s.status === "failed")) {
      process.stderr.write("some runs had errors or failed: see the results file\n");
      return 1;
    }
    return 0;
  } finally {
    killAll();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      killAll();
      process.stderr.write(
        `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
