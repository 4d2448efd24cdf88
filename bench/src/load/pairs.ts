import { performance } from "node:perf_hooks";
import type { LatencyRecorder } from "./latency.js";
import type { Transport } from "./transport.js";

/** The latencies and outcome counts of one phase of pairs. */
export interface PairStats {
  readonly pair: LatencyRecorder;
  readonly generate: LatencyRecorder;
  readonly decrypt: LatencyRecorder;
  /** Pairs whose decrypted plaintext equals the generated one. */
  ok: number;
  /** Pairs that completed but decrypted to other bytes than were generated. */
  mismatches: number;
  /** Pairs that failed (HTTP status, bad answer, network, timeout), by kind. */
  errors: number;
  readonly errorKinds: Map<string, number>;
}

const MAX_KIND_LENGTH = 160;

/**
 * One unit of work: `POST /v1/key/generate/<key>` with `{}`, then `POST /v1/key/decrypt/<key>`
 * with its ciphertext, checking that the plaintext comes back. Every outcome is counted;
 * latencies are recorded for requests that succeeded and pairs that matched.
 */
export async function runPair(
  transport: Transport,
  key: string,
  timeoutMs: number,
  stats: PairStats,
): Promise<void> {
  const name = encodeURIComponent(key);
  const t0 = performance.now();
  let generated: { plaintext: Buffer; ciphertext: string };
  let t1: number;
  try {
    const answer = await transport.post(`/v1/key/generate/${name}`, "{}", timeoutMs);
    t1 = performance.now();
    generated = parseGenerate(check("generate", answer));
  } catch (err) {
    return fail(stats, err);
  }
  stats.generate.record(t1 - t0);
  let plaintext: Buffer;
  let t2: number;
  try {
    const body = JSON.stringify({ ciphertext: generated.ciphertext });
    const answer = await transport.post(`/v1/key/decrypt/${name}`, body, timeoutMs);
    t2 = performance.now();
    plaintext = parseDecrypt(check("decrypt", answer));
  } catch (err) {
    return fail(stats, err);
  }
  stats.decrypt.record(t2 - t1);
  if (!plaintext.equals(generated.plaintext)) {
    stats.mismatches++;
    return;
  }
  stats.ok++;
  stats.pair.record(t2 - t0);
}

class AnswerError extends Error {}

function check(step: string, answer: { status: number; body: string }): string {
  if (answer.status === 200) return answer.body;
  let message = answer.body.trim();
  try {
    const parsed = JSON.parse(answer.body) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  throw new AnswerError(`${step}: HTTP ${answer.status}: ${message}`);
}

function field(body: string, step: string, name: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new AnswerError(`${step}: the answer is not JSON`);
  }
  const value = parsed[name];
  if (typeof value !== "string" || value === "") {
    throw new AnswerError(`${step}: the answer has no ${name}`);
  }
  return value;
}

function parseGenerate(body: string): { plaintext: Buffer; ciphertext: string } {
  const plaintext = Buffer.from(field(body, "generate", "plaintext"), "base64");
  if (plaintext.length !== 32) {
    throw new AnswerError(`generate: the plaintext is ${plaintext.length} bytes, not 32`);
  }
  return { plaintext, ciphertext: field(body, "generate", "ciphertext") };
}

function parseDecrypt(body: string): Buffer {
  return Buffer.from(field(body, "decrypt", "plaintext"), "base64");
}

function fail(stats: PairStats, err: unknown): void {
  stats.errors++;
  const kind = errorKind(err).slice(0, MAX_KIND_LENGTH);
  stats.errorKinds.set(kind, (stats.errorKinds.get(kind) ?? 0) + 1);
}

function errorKind(err: unknown): string {
  if (err instanceof AnswerError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === "TimeoutError") return `timeout: ${e.message}`;
  return `network: ${e?.code ?? e?.name ?? "error"}${e?.message ? `: ${e.message}` : ""}`;
}
