import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import {
  clockTicksPerSecond,
  cpuSeconds,
  parseStat,
  parseStatus,
  processTree,
  readCpuTicks,
  readMemory,
  resetPeak,
} from "./proc-files.js";

describe("/proc parsers", () => {
  it("reads ppid, utime and stime after a command name with spaces and parentheses", () => {
    const stat =
      "4242 (node (bench) x) S 4200 4242 4200 0 -1 4194560 1234 0 0 0 317 42 0 0 20 0 11 0 123456 1000000 25000 18446744073709551615";
    assert.deepEqual(parseStat(stat), { ppid: 4200, utime: 317, stime: 42 });
  });

  it("refuses a stat line it cannot read", () => {
    assert.throws(() => parseStat("garbage"), /no '\)'/);
    assert.throws(() => parseStat("1 (x) S 1 2 3"), /field 14/);
  });

  it("reads VmRSS and VmHWM in bytes", () => {
    const status =
      "Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  150000 kB\nVmRSS:\t  120000 kB\nThreads:\t11\n";
    assert.deepEqual(parseStatus(status), { rss: 120000 * 1024, hwm: 150000 * 1024 });
    assert.throws(() => parseStatus("Name:\tnode\n"), /VmRSS/);
  });

  it("converts ticks to seconds with USER_HZ", () => {
    const hz = clockTicksPerSecond();
    assert.ok(Number.isInteger(hz) && hz > 0);
    assert.equal(cpuSeconds({ utime: hz * 2, stime: hz }), 3);
  });
});

describe("/proc readers on live processes", () => {
  it("see this process's CPU time grow with work and its memory", () => {
    const before = readCpuTicks(process.pid);
    assert.ok(before !== undefined);
    const until = Date.now() + 300; // busy, so utime must advance by several ticks
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    assert.ok(x > 0);
    const after = readCpuTicks(process.pid);
    assert.ok(after !== undefined);
    assert.ok(after.utime + after.stime > before.utime + before.stime);
    const memory = readMemory(process.pid);
    assert.ok(memory !== undefined && memory.rss > 1_000_000 && memory.hwm >= memory.rss);
  });

  it("resetting the peak brings VmHWM from the lifetime peak down to the current RSS", async () => {
    // A child that touches 100 MB, frees it, then idles: its lifetime peak is far above its RSS.
    const child = spawn(
      process.execPath,
      [
        "--expose-gc",
        "-e",
        "let b = Buffer.alloc(100e6, 1); b = null; globalThis.gc(); console.log('freed'); setInterval(() => {}, 1000)",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(child.stdout, "data");
      const pid = child.pid as number;
      const before = readMemory(pid);
      assert.ok(before !== undefined && before.hwm > 100e6, `lifetime peak ${before?.hwm}`);
      assert.ok(before.rss < before.hwm - 50e6, `rss ${before.rss} should be well below the peak`);
      assert.equal(
        resetPeak(pid),
        true,
        "this kernel refuses clear_refs: peaks are lifetime peaks",
      );
      const after = readMemory(pid);
      assert.ok(
        after !== undefined && after.hwm < before.hwm - 50e6,
        `peak after reset ${after?.hwm}`,
      );
    } finally {
      child.kill();
      await once(child, "close");
    }
  });

  it("finds child processes in the tree and nothing for a process that is gone", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"]);
    await once(child, "spawn");
    try {
      assert.ok(processTree(process.pid).includes(child.pid as number));
    } finally {
      child.kill();
      await once(child, "close");
    }
    assert.equal(readCpuTicks(child.pid as number), undefined);
    assert.equal(readMemory(child.pid as number), undefined);
    assert.deepEqual(processTree(child.pid as number), [child.pid]);
  });
});
