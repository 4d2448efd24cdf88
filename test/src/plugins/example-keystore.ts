/**
 * Runs the example keystore plug-in (examples/grpc-keystore) as a user would: `node server.mjs`
 * in a process of its own, never in this one. Every process started here is tracked so `after`
 * hooks can end what is left, even when a test fails half-way.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { KesProcess, type RunOptions, type RunResult } from "../support/kes-bin.js";

export const EXAMPLE_DIR = resolve(import.meta.dirname, "../../../examples/grpc-keystore");
export const EXAMPLE_SERVER = resolve(EXAMPLE_DIR, "server.mjs");
export const EXAMPLE_HEALTH_CHECK = resolve(EXAMPLE_DIR, "health-check.mjs");

/** A running example keystore and the port it printed. */
export interface ExampleKeystore {
  readonly process: KesProcess;
  readonly port: number;
  /** "http://127.0.0.1:<port>", or https:// when started with TLS. */
  readonly endpoint: string;
  /** SIGTERM (or `signal`) and the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<KesProcess>();

function spawnNode(script: string, args: readonly string[], options: RunOptions): KesProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? EXAMPLE_DIR,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = new KesProcess(child);
  started.add(proc);
  return proc;
}

/** `node server.mjs --port 0 <args>`, resolved once it prints "listening on 127.0.0.1:N". */
export async function startExampleKeystore(
  args: readonly string[],
  options: RunOptions = {},
): Promise<ExampleKeystore> {
  const proc = spawnNode(EXAMPLE_SERVER, ["--port", "0", ...args], options);
  const tls = args.includes("--cert");
  try {
    const [, port = ""] = await proc.waitForOutput(/^listening on 127\.0\.0\.1:(\d+)$/m, 20_000);
    return {
      process: proc,
      port: Number(port),
      endpoint: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
      stop: (signal = "SIGTERM") => proc.stop(signal, 15_000),
    };
  } catch (err) {
    await proc.stop("SIGKILL", 5_000);
    throw err;
  }
}

/** Runs one of the example's scripts to completion (killed after timeoutMs, default 20 s). */
export async function runExampleScript(
  script: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const proc = spawnNode(script, args, options);
  const { code, signal } = await proc.waitForExit(options.timeoutMs ?? 20_000);
  started.delete(proc);
  if (signal === "SIGKILL") throw new Error(`${script} ${args.join(" ")} did not finish in time`);
  return { code, signal, stdout: proc.stdout, stderr: proc.stderr };
}

/** Kills every example process still running; for `after` hooks. */
export async function stopAllExamples(): Promise<void> {
  await Promise.all(
    [...started].map(async (p) => {
      started.delete(p);
      if (p.running) await p.stop("SIGKILL", 5_000);
    }),
  );
}
