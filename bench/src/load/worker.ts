/**
 * A load generator process (forked by load-generator.ts). It receives a job over IPC, warms
 * up, reports "warmed-up" and waits for "measure" (the parent snapshots the server processes
 * in between), runs the measured phase and sends the result back.
 */
import { runLoad } from "./load-run.js";
import type { FromWorker, ToWorker, WorkerJob } from "./protocol.js";
import { createTransport } from "./transport.js";

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send?.(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

let measure: (() => void) | undefined;
const measureSignal = new Promise<void>((resolve) => {
  measure = resolve;
});

async function run(job: WorkerJob): Promise<void> {
  const transport = createTransport({
    protocol: job.protocol,
    endpoint: job.endpoint,
    tls: job.tls,
    concurrency: job.plan.concurrency,
    sessions: job.sessions,
  });
  try {
    const result = await runLoad(transport, job.plan, async () => {
      await send({ type: "warmed-up" });
      await measureSignal;
    });
    await send({ type: "result", result });
  } finally {
    await transport.close();
  }
}

if (process.send === undefined) {
  console.error("worker.js is a load process of the bench: run `pnpm bench` instead");
  process.exit(2);
}
process.on("message", (message: ToWorker) => {
  if (message.type === "measure") measure?.();
  else if (message.type === "job") {
    run(message.job).then(
      () => process.disconnect(),
      async (err: unknown) => {
        await send({ type: "failed", message: err instanceof Error ? err.message : String(err) });
        process.disconnect();
      },
    );
  }
});
// The parent going away ends us too: a load process never outlives the bench.
process.on("disconnect", () => setTimeout(() => process.exit(0), 1_000).unref());
