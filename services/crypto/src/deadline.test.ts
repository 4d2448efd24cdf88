import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { abortable, callSignal, waitAtMost } from "./deadline.js";
import { kesError } from "./testing/fixtures.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The deadline timers are unref'd (a pending call must not keep a process alive): something
// else has to keep the test's event loop running while they are awaited.
let keepAlive: NodeJS.Timeout;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));
const never = () => new Promise<never>(() => {});

describe("keystore call deadlines", () => {
  test("a call's signal aborts at the caller's timeout, as a TimeoutError", async () => {
    const call = callSignal({ timeoutMs: 20 }, 60_000);
    await assert.rejects(abortable(never(), call.signal), kesError("timeout"));
    assert.equal((call.signal.reason as DOMException).name, "TimeoutError");
    call.release();
  });

  test("it follows the caller's signal, and stops doing so once released", async () => {
    const caller = new AbortController();
    const call = callSignal({ signal: caller.signal }, 60_000);
    caller.abort("gone");
    assert.equal(call.signal.reason, "gone");

    const later = new AbortController();
    const released = callSignal({ signal: later.signal, timeoutMs: 20 }, 60_000);
    released.release();
    later.abort();
    await sleep(40);
    assert.equal(released.signal.aborted, false, "neither the caller nor the timer reach it");
  });

  test("without a caller deadline the fallback applies", async () => {
    const call = callSignal(undefined, 20);
    await sleep(40);
    assert.ok(call.signal.aborted);
  });
});

describe("waiting for a shared load", () => {
  test("passes the result on; gives up at the caller's timeout or abort", async () => {
    assert.equal(await waitAtMost(Promise.resolve(7), { timeoutMs: 1000 }, 60_000), 7);
    await assert.rejects(waitAtMost(never(), { timeoutMs: 20 }, 60_000), kesError("timeout"));
    const caller = new AbortController();
    const waiting = waitAtMost(never(), { signal: caller.signal }, 60_000);
    caller.abort();
    await assert.rejects(waiting, kesError("timeout"));
    await assert.rejects(
      waitAtMost(never(), { signal: caller.signal }, 60_000),
      kesError("timeout"),
    );
  });
});
