import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CpuProfile, findProfiles, packageOf, summarizeProfile } from "./profile-summary.js";

const frame = (functionName: string, url = "", lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

describe("profile summary", () => {
  // root → handler → seal; plus idle and GC pseudo-frames.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)") },
      { id: 2, callFrame: frame("handler", "file:///repo/services/gateway/dist/h.js", 9) },
      {
        id: 3,
        callFrame: frame(
          "seal",
          "file:///repo/node_modules/.pnpm/x/node_modules/@msgpack/msgpack/dist/a.js",
          0,
        ),
      },
      { id: 4, callFrame: frame("(idle)") },
      { id: 5, callFrame: frame("(garbage collector)") },
      { id: 6, callFrame: frame("", "node:internal/http2/core", 100) },
    ],
    // each sample lasts until the next one: deltas[i + 1]
    samples: [3, 3, 2, 4, 5, 6, 3],
    timeDeltas: [0, 1000, 1000, 2000, 5000, 500, 500, 9999],
  };

  it("attributes each sample's time to the function on top of the stack", () => {
    const s = summarizeProfile(profile, 10, "/repo/");
    assert.equal(s.idleMs, 5);
    assert.equal(s.busyMs, 1 + 1 + 2 + 0.5 + 0.5 + 9.999);
    const seal = s.top.find((f) => f.name === "seal");
    assert.ok(seal);
    assert.equal(seal.selfMs, 1 + 1 + 9.999);
    assert.equal(s.top[0]?.name, "seal", "sorted by self time");
    assert.equal(s.top.find((f) => f.name === "handler")?.where, "services/gateway/dist/h.js:10");
    assert.ok(s.top.some((f) => f.name === "(anonymous)"));
    assert.ok(!s.top.some((f) => f.name === "(idle)"), "idle is not busy time");
    const total = s.top.reduce((a, f) => a + f.percent, 0);
    assert.ok(Math.abs(total - 100) < 1e-9);
  });

  it("limits the list to top N", () => {
    assert.equal(summarizeProfile(profile, 2).top.length, 2);
  });

  it("groups self time by package", () => {
    const s = summarizeProfile(profile);
    const names = s.byPackage.map((p) => p.name);
    assert.equal(names[0], "@msgpack/msgpack");
    assert.ok(names.includes("services/gateway"));
    assert.ok(names.includes("(garbage collector)"));
    assert.ok(names.includes("node (internal JS)"));
  });

  it("names packages from URLs", () => {
    assert.equal(
      packageOf("file:///r/node_modules/.pnpm/pino@1/node_modules/pino/lib/x.js", "f"),
      "pino",
    );
    assert.equal(packageOf("file:///r/packages/core/dist/errors.js", "f"), "packages/core");
    assert.equal(packageOf("node:internal/streams/readable", "f"), "node (internal JS)");
    assert.equal(packageOf("", "(program)"), "(program)");
    assert.equal(packageOf("", "writev"), "(native)");
  });

  it("names a path that does not exist", () => {
    assert.throws(
      () => findProfiles(["/nonexistent/x.cpuprofile"]),
      /\/nonexistent\/x\.cpuprofile: no such file/,
    );
  });

  it("refuses a file that is not a CPU profile", () => {
    assert.throws(() => summarizeProfile({} as CpuProfile), /not a \.cpuprofile/);
  });
});
