import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KES_2023_METRICS, KES_2023_METRICS_LATER } from "@kes/client/testing/metrics";
import { fakeIo } from "../testing/fake-io.js";
import {
  type FakeKes,
  kes,
  kesFails,
  startFakeKes,
  testInterrupt,
  watchedIo,
} from "../testing/kes-harness.js";
import { register } from "./metric.js";

/** Each poll gets the next exposition; the last one repeats. */
let samples: string[] = [];
let fake: FakeKes;

before(async () => {
  fake = await startFakeKes(() => ({
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    body: samples.length > 1 ? (samples.shift() as string) : (samples[0] ?? ""),
  }));
});

after(() => fake.close());

/** Runs `kes metric` until `count` samples were written, then interrupts it. */
async function watch(args: string[], tty: boolean, count: number, lineOf: (out: string) => number) {
  const interrupt = testInterrupt();
  const io = watchedIo(fake.env(), { tty }, (out) => {
    if (lineOf(out) >= count) interrupt.stop();
  });
  await kes([register], ["metric", "-k", "--rate", "100ms", ...args], io, interrupt.source);
  assert.ok(interrupt.disposed());
  return io;
}

describe("kes metric", () => {
  it("prints one JSON object per sample when piped", async () => {
    samples = [KES_2023_METRICS, KES_2023_METRICS_LATER];
    const io = await watch([], false, 2, (out) => out.split("\n").length - 1);
    const lines = io
      .out()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    const [first, second] = lines;
    assert.match(String(first?.["time"]), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      { ...first, time: "t" },
      {
        time: "t",
        kes_http_request_success: 5,
        kes_http_request_error: 2,
        kes_http_request_failure: 0,
        kes_log_audit_events: 6,
        kes_log_error_events: 0,
        kes_http_request_active: 1,
        kes_system_up_time: 3725.31,
        kes_system_num_cpu: 2,
        kes_system_num_cpu_used: 2,
        kes_system_num_threads: 14,
        kes_system_mem_heap_used: 2744000,
        kes_system_mem_heap_objects: 13421,
        kes_system_mem_stack_used: 688128,
        kes_http_response_time: {
          buckets: [
            { le: 0.01, count: 6 },
            { le: 0.05, count: 6 },
            { le: 0.1, count: 7 },
            { le: 0.25, count: 7 },
            { le: 0.5, count: 7 },
            { le: 1, count: 7 },
            { le: 1.5, count: 7 },
            { le: 3, count: 7 },
            { le: 5, count: 7 },
            { le: 10, count: 7 },
          ],
          sum: 0.0853196,
          count: 7,
        },
      },
    );
    assert.equal(second?.["kes_http_request_success"], 15);
    assert.equal(second?.["kes_http_request_failure"], 2);
    assert.ok(fake.server.requests.every((r) => r.path === "/v1/metrics"));
  });

  it("redraws a live view in place on a terminal", async () => {
    samples = [KES_2023_METRICS, KES_2023_METRICS_LATER];
    const draws = (out: string) => out.split("\x1b[").length - 1;
    // Hide cursor, redraw (cursor up + erase), then show the cursor again at the end.
    const io = await watch([], true, 3, draws);
    const out = io.out();
    assert.ok(out.startsWith("\x1b[?25l"), JSON.stringify(out.slice(0, 20)));
    assert.ok(out.endsWith("\x1b[?25h"));
    const [firstView = "", secondView = ""] = out.slice(6).split(/\x1b\[\d+F\x1b\[J/);
    const up = /\x1b\[(\d+)F\x1b\[J/.exec(out)?.[1];
    assert.equal(
      Number(up),
      firstView.split("\n").length - 1,
      "moves up over the whole first view",
    );

    assert.match(
      firstView,
      /^KES metrics {2}https:\/\/127\.0\.0\.1:\d+ {2}every 100ms {2}\(Ctrl-C to stop\)\n/,
    );
    assert.match(firstView, /^ {2}Success 2xx +5 +-$/m);
    assert.match(firstView, /^ {2}Error {3}4xx +2 +-$/m);
    assert.match(firstView, /^ {2}Active +1$/m);
    assert.match(firstView, /^Requests +Total +Per second$/m);
    assert.match(
      firstView,
      /^Response time {4}p50 ≤ 10ms {2}p90 ≤ 100ms {2}p99 ≤ 100ms {2}mean 12ms$/m,
    );
    assert.match(firstView, /^ {2}≤ 10ms {3}█{26} +85\.7%$/m);
    assert.match(firstView, /^System {11}up 1h 2m 5s {2}2 of 2 CPUs {2}14 threads$/m);
    assert.match(firstView, /^Memory {11}heap 2\.6 MiB \(13,421 objects\) {2}stack 672 KiB$/m);
    assert.match(firstView, /^Logs {13}6 audit events {2}0 error events$/m);

    // The second view has rates: 10 more successes and 2 failures since the first sample.
    assert.match(secondView, /^ {2}Success 2xx +15 +\d+\.\d$/m);
    assert.match(secondView, /^ {2}Failure 5xx +2 +\d+\.\d$/m);
    const rate = Number(/Success 2xx +15 +(\d+\.\d)/.exec(secondView)?.[1]);
    assert.ok(rate > 0 && rate <= 100, `10 requests in at least 100ms: ${rate}/s`);
  });

  it("refuses a bad --rate before calling the server", async () => {
    const before = fake.server.requests.length;
    await kesFails(
      [register],
      ["metric", "--rate", "often"],
      fakeIo(fake.env()),
      /^invalid --rate 'often': expected a duration such as 5s/,
    );
    await kesFails(
      [register],
      ["metric", "--rate", "10ms"],
      fakeIo(fake.env()),
      "invalid --rate '10ms': must be at least 100ms",
    );
    assert.equal(fake.server.requests.length, before);
  });

  it("fails on metrics it cannot read, naming the line", async () => {
    samples = ["kes_http_request_active one\n"];
    await kesFails(
      [register],
      ["metric", "-k"],
      fakeIo(fake.env()),
      /^unexpected metrics from https:\/\/127\.0\.0\.1:\d+: metrics line 1: invalid value "one"/,
    );
  });
});
