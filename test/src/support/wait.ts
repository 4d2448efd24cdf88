import { createKesClient } from "@kes/client";

/**
 * Polls `GET /version` until the server answers (any HTTP answer counts) or the timeout passes.
 * /version needs no policy, so any client certificate will do.
 */
export async function waitUntilAnswers(
  endpoint: string,
  credentials: { certPem: string; keyPem: string } | { apiKey: string },
  timeoutMs = 20_000,
): Promise<void> {
  const client = createKesClient({
    endpoint,
    ...credentials,
    insecure: true,
    timeoutMs: 2_000,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.version();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`${endpoint} did not answer within ${timeoutMs} ms: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await client.close();
  }
}
