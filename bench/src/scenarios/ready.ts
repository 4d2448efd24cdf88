import { performance } from "node:perf_hooks";
import { createTransport } from "../load/transport.js";
import type { BenchPki } from "./pki.js";
import type { ManagedProcess } from "./processes.js";

/**
 * Polls `POST /v1/key/generate/<key>` until it answers 200 and returns the time since
 * `since` (a performance.now() value: the spawn of the scenario's first process). A generate
 * proves the whole stack works: TLS, identity, keystore, crypto.
 */
export async function waitUntilReady(
  endpoint: string,
  key: string,
  pki: BenchPki,
  since: number,
  watch: readonly ManagedProcess[],
  timeoutMs = 30_000,
): Promise<number> {
  const transport = createTransport({
    protocol: "h2",
    endpoint,
    tls: { ca: pki.caPem, cert: pki.client.certPem, key: pki.client.keyPem },
    concurrency: 1,
  });
  const deadline = performance.now() + timeoutMs;
  let last = "no answer";
  try {
    for (;;) {
      for (const p of watch) {
        if (!p.running) throw new Error(`${p.role} exited before it was ready:\n${p.tail()}`);
      }
      try {
        const answer = await transport.post(
          `/v1/key/generate/${encodeURIComponent(key)}`,
          "{}",
          2_000,
        );
        if (answer.status === 200) return performance.now() - since;
        last = `HTTP ${answer.status}: ${answer.body.trim()}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (performance.now() > deadline) {
        throw new Error(`${endpoint} was not ready within ${timeoutMs} ms (last: ${last})`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await transport.close();
  }
}
