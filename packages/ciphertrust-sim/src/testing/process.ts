import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The package's bin scripts (they load the compiled dist). */
export const BIN = {
  ksctl: fileURLToPath(new URL("../../bin/ksctl.js", import.meta.url)),
  sim: fileURLToPath(new URL("../../bin/ciphertrust-sim.js", import.meta.url)),
};

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a bin script to completion (killed after `timeoutMs`). */
export function run(
  script: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 20_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A long-running bin script whose stdout lines can be awaited. */
export interface Running {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line matching `re` (rejects after timeoutMs or on exit). */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once it exits. */
  readonly exited: Promise<number | null>;
  /** SIGKILLs it if still running (cleanup in finally blocks). */
  kill(): void;
}

export function start(script: string, args: string[], cwd: string): Running {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const l of [...listeners]) l();
  });
  child.stderr?.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    line(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const l of out.split("\n")) {
            const m = l.match(re);
            if (m !== null) {
              done();
              resolve(m);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no output line matching ${re} within ${timeoutMs} ms; got: ${out}`));
        }, timeoutMs);
        const onExit = () => {
          done();
          reject(new Error(`process exited before printing ${re}; got: ${out}`));
        };
        function done() {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
        }
        listeners.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
