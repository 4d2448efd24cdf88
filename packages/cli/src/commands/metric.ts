import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { KesClient } from "@kes/client";
import { parseDuration } from "@kes/core";
import type { Command } from "commander";
import { withClient } from "../client-env.js";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";
import { type InterruptSource, processInterrupt } from "./interrupt.js";
import { metricJson, metricView, Screen, type TimedSample } from "./metric-view.js";

interface MetricFlags extends ClientFlags {
  readonly rate: string;
}

/** Polling faster than this only loads the server. */
const MIN_RATE_MS = 100;

function rateMs(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new CliError(`invalid --rate '${text}': expected a duration such as 5s, 500ms or 1m`);
  }
  if (ms < MIN_RATE_MS) throw new CliError(`invalid --rate '${text}': must be at least 100ms`);
  return ms;
}

/** Registers `kes metric [--rate 5s] [--json]`. */
export function register(
  program: Command,
  io: CliIo = processIo(),
  interrupt: InterruptSource = processInterrupt,
): void {
  clientFlags(program.command("metric"), { json: "print one JSON object per sample" })
    .description("watch the server's metrics, refreshed every --rate")
    .option("--rate <duration>", "time between two samples", "5s")
    .addHelpText(
      "after",
      "\nOn a terminal: requests per second, response times, uptime and memory, redrawn in\n" +
        "place. Piped or with --json: one JSON object per sample and line. Ctrl-C stops.",
    )
    .action(async (flags: MetricFlags) => {
      const every = rateMs(flags.rate);
      const stop = interrupt();
      try {
        await withClient(flags, io, (client) =>
          watch(client, every, flags.rate, wantsJson(flags, io.stdout), io, stop.signal),
        );
      } catch (err) {
        if (!stop.signal.aborted) throw err;
      } finally {
        stop.dispose();
      }
    });
}

async function watch(
  client: KesClient,
  every: number,
  rateText: string,
  json: boolean,
  io: CliIo,
  signal: AbortSignal,
): Promise<void> {
  const screen = json ? undefined : new Screen(io.stdout);
  const endpoint = client.endpoints.join(", ");
  let before: TimedSample | undefined;
  try {
    for (;;) {
      const metrics = await client.metrics({ signal });
      const now: TimedSample = { metrics, atMs: performance.now() };
      if (screen === undefined) io.stdout.write(metricJson(metrics, new Date()));
      else screen.draw(metricView(endpoint, rateText, now, before));
      before = now;
      await sleep(every, undefined, { signal });
    }
  } finally {
    screen?.close();
  }
}
