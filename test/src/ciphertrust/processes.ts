/**
 * The simulator's commands (`ciphertrust-sim`, `ksctl`) as separate processes, the way an
 * operator runs them, next to the `kes` helpers of ../support/kes-bin.ts.
 */
import { execFile, spawn } from "node:child_process";
import { request } from "node:https";
import { resolve } from "node:path";
import { KesProcess, type RunResult } from "../support/kes-bin.js";

const BIN_DIR = resolve(import.meta.dirname, "../../../node_modules/.bin");
export const SIM_BIN = resolve(BIN_DIR, "ciphertrust-sim");
export const KSCTL_BIN = resolve(BIN_DIR, "ksctl");

/** Runs a command to completion (killed after timeoutMs). */
export function runBin(
  bin: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      bin,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        done({ code, signal: err?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** `ciphertrust-sim <args>` in the background; stop() it in an `after` hook. */
export function spawnSim(args: readonly string[], cwd: string): KesProcess {
  return new KesProcess(spawn(SIM_BIN, args, { cwd, stdio: ["ignore", "pipe", "pipe"] }));
}

/** One JSON request to a (simulated) CipherTrust Manager over HTTPS, trusting `ca`. */
export function cmRequest(
  url: string,
  ca: string,
  method: string,
  path: string,
  options: { body?: unknown; jwt?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const body = options.body === undefined ? "" : JSON.stringify(options.body);
  return new Promise((done, fail) => {
    const req = request(
      new URL(path, url),
      {
        method,
        ca,
        agent: false,
        timeout: 10_000,
        headers: {
          "content-length": String(Buffer.byteLength(body)),
          ...(body === "" ? {} : { "content-type": "application/json" }),
          ...(options.jwt === undefined ? {} : { authorization: `Bearer ${options.jwt}` }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (s: string) => {
          text += s;
        });
        res.on("end", () => {
          let json: unknown;
          try {
            json = text === "" ? undefined : JSON.parse(text);
          } catch {
            json = text;
          }
          done({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on("error", fail);
    req.end(body);
  });
}
