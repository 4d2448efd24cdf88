/**
 * Runs the `kes` command the way a user does: node_modules/.bin/kes as a separate process.
 * Every run is bounded by a timeout and every long-running process is tracked so `after`
 * hooks can kill whatever is left, even when a test fails half-way.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";

/** The repository's `kes` shim (pnpm's node_modules/.bin/kes). */
export const KES_BIN = resolve(import.meta.dirname, "../../../node_modules/.bin/kes");

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to a copy of this process's environment; undefined removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

function environment(extra: RunOptions["env"]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A developer's own KES settings must not leak into the tests.
  for (const name of ["KES_SERVER", "KES_API_KEY", "KES_CLIENT_CERT", "KES_CLIENT_KEY"]) {
    delete env[name];
  }
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `kes <args>` to completion (killed after timeoutMs, default 30 s). */
export async function runKes(
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = spawn(KES_BIN, args, {
    cwd: options.cwd,
    env: environment(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    if (signal === "SIGKILL") {
      throw new Error(`kes ${args.join(" ")} did not finish within ${timeoutMs} ms`);
    }
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A long-running `kes` process (a server), with its output so far. */
export class KesProcess {
  private out = "";
  private err = "";
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      this.out += s;
    });
    child.stderr?.setEncoding("utf8").on("data", (s: string) => {
      this.err += s;
    });
    this.exited = once(child, "close").then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until stdout matches `pattern`; fails early if the process exits, or at the timeout. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.out.match(pattern);
      if (match !== null) return match;
      if (!this.running) {
        throw new Error(`kes exited before printing ${pattern}:\n${this.out}\n${this.err}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `kes did not print ${pattern} within ${timeoutMs} ms:\n${this.out}\n${this.err}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the exit (killing it at the timeout). */
  async waitForExit(
    timeoutMs = 20_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000) {
    if (this.running) this.child.kill(signal);
    return this.waitForExit(timeoutMs);
  }
}

/** Every process spawnKes started; `killAll` ends the ones still running. */
const started = new Set<KesProcess>();

/** Starts `kes <args>` in the background. */
export function spawnKes(args: readonly string[], options: RunOptions = {}): KesProcess {
  const child = spawn(KES_BIN, args, {
    cwd: options.cwd,
    env: environment(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const process = new KesProcess(child);
  started.add(process);
  return process;
}

/** Kills every process spawnKes started that is still running; for `after` hooks. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(async (p) => {
      started.delete(p);
      if (p.running) await p.stop("SIGKILL", 5_000);
    }),
  );
}
