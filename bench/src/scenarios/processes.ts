import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/dist/scenarios → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The bins a user runs: pnpm's shims in the root node_modules/.bin. */
export const BIN = {
  kes: resolve(REPO_ROOT, "node_modules/.bin/kes"),
  sim: resolve(REPO_ROOT, "node_modules/.bin/ciphertrust-sim"),
  ksctl: resolve(REPO_ROOT, "node_modules/.bin/ksctl"),
  ceiling: resolve(REPO_ROOT, "bench/dist/ceiling-server.js"),
  /** The script the kes shim runs; started directly with node when node flags are needed. */
  kesScript: resolve(REPO_ROOT, "node_modules/@kes/cli/bin/kes.js"),
};

/** Settings a developer's shell may hold that must not change what the bench measures. */
const SCRUBBED = ["KES_SERVER", "KES_API_KEY", "KES_CLIENT_CERT", "KES_CLIENT_KEY", "NODE_OPTIONS"];

export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith("KSCTL_")) delete env[name];
  return { ...env, ...extra };
}

/** A long-running process the bench started, with its output so far. */
export class ManagedProcess {
  private out = "";
  private err = "";
  readonly exited: Promise<void>;

  constructor(
    readonly role: string,
    readonly child: ChildProcess,
    readonly spawnedAt: number,
  ) {
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      this.out += s;
    });
    child.stderr?.setEncoding("utf8").on("data", (s: string) => {
      // Keep the tail only: a server under load may log a lot.
      this.err = (this.err + s).slice(-20_000);
    });
    this.exited = once(child, "close").then(() => {});
  }

  get pid(): number {
    return this.child.pid ?? 0;
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

  /** Waits until stdout matches; fails early if the process exits, or at the timeout. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.out.match(pattern);
      if (match !== null) return match;
      if (!this.running) throw new Error(`${this.role} exited early:\n${this.tail()}`);
      if (Date.now() > deadline) {
        throw new Error(
          `${this.role} did not print ${pattern} within ${timeoutMs} ms:\n${this.tail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The last lines of both streams, for error messages. */
  tail(): string {
    const last = (s: string) => s.trim().split("\n").slice(-8).join("\n");
    return `${last(this.out)}\n${last(this.err)}`.trim();
  }

  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    live.delete(this);
  }
}

const live = new Set<ManagedProcess>();

export function startProcess(
  role: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ManagedProcess {
  const spawnedAt = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.on("error", () => {}); // surfaces as an early exit in waitForOutput
  const managed = new ManagedProcess(role, child, spawnedAt);
  live.add(managed);
  return managed;
}

/** Runs a command to completion (killed after timeoutMs). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      [...args],
      { cwd: options.cwd, env: options.env ?? cleanEnv(), timeout: options.timeoutMs ?? 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Kills whatever the bench started and is still running (on errors and on Ctrl-C). */
export function killAll(): void {
  for (const p of live) if (p.running) p.child.kill("SIGKILL");
  live.clear();
}
