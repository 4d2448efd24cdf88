import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeadlineList, Deadlines, type Expiring } from "./deadlines.js";

function item(name: string, expired: string[]): Expiring {
  return {
    deadlineAt: 0,
    prevDeadline: undefined,
    nextDeadline: undefined,
    deadlines: undefined,
    expire: (shutdown) => expired.push(shutdown === true ? `${name} (shutdown)` : name),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("deadline lists", () => {
  it("expire what is still listed when its deadline passes, in order, and nothing else", async () => {
    const expired: string[] = [];
    const list = new DeadlineList(30);
    const [a, b, c] = [item("a", expired), item("b", expired), item("c", expired)];
    list.add(a, performance.now());
    list.add(b, performance.now());
    list.add(c, performance.now());
    list.remove(b); // finished in time
    assert.equal(b.deadlines, undefined);
    list.remove(b); // a second remove is harmless
    await sleep(80);
    assert.deepEqual(expired, ["a", "c"]);
    assert.ok(list.empty);
  });

  it("re-arm for later items after the head finished early", async () => {
    const expired: string[] = [];
    const list = new DeadlineList(40);
    const first = item("first", expired);
    list.add(first, performance.now());
    await sleep(20);
    const second = item("second", expired);
    list.add(second, performance.now());
    list.remove(first);
    await sleep(35); // past first's deadline, before second's
    assert.deepEqual(expired, []);
    await sleep(60);
    assert.deepEqual(expired, ["second"]);
  });

  it("one list per timeout value; an item can be listed again after it expired", async () => {
    const expired: string[] = [];
    const deadlines = new Deadlines();
    const slow = item("slow", expired);
    const fast = item("fast", expired);
    deadlines.add(slow, 60, performance.now());
    deadlines.add(fast, 10, performance.now());
    await sleep(40);
    assert.deepEqual(expired, ["fast"]);
    deadlines.add(fast, 10, performance.now());
    await sleep(60);
    assert.deepEqual(expired.sort(), ["fast", "fast", "slow"]);
  });

  it("expireAll: every listed item of every list now, as cut short, and no timer left", async () => {
    const expired: string[] = [];
    const deadlines = new Deadlines();
    const [a, b, c] = [item("a", expired), item("b", expired), item("c", expired)];
    deadlines.add(a, 30, performance.now());
    deadlines.add(b, 30, performance.now());
    deadlines.add(c, 5_000, performance.now());
    deadlines.remove(b);
    deadlines.expireAll();
    assert.deepEqual(expired, ["a (shutdown)", "c (shutdown)"]);
    assert.equal(a.deadlines, undefined);
    await sleep(60);
    assert.deepEqual(expired, ["a (shutdown)", "c (shutdown)"], "nothing expires twice");
  });

  it("refuse a timeout that is not positive", () => {
    assert.throws(() => new DeadlineList(0), /bad timeout/);
  });
});
