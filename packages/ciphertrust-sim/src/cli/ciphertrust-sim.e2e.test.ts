import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { call } from "../testing/http.js";
import { BIN, run, start } from "../testing/process.js";

describe("the ciphertrust-sim command", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ciphertrust-sim-cli-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("serves HTTPS with a CA file, honours --jwt-ttl and the admin password, stops on SIGTERM", async () => {
    const tlsDir = join(dir, "tls");
    const proc = start(
      BIN.sim,
      ["--port", "0", "--tls-dir", tlsDir, "--jwt-ttl", "30s", "--admin-password", "pw-1"],
      dir,
    );
    try {
      const url = (await proc.line(/listening on (https:\/\/\S+)/))[1] as string;
      const caFile = (await proc.line(/^CA certificate: (.+)$/))[1] as string;
      assert.equal(caFile, join(tlsDir, "ca.pem"));
      const ca = await readFile(caFile, "utf8");
      assert.equal((await call(url, "GET", "/", { ca })).status, 200);
      const login = await call(url, "POST", "/api/v1/auth/tokens", {
        ca,
        body: { grant_type: "password", username: "admin", password: "pw-1" },
      });
      assert.equal(login.status, 200);
      assert.equal(login.json.duration, 30);
      assert.deepEqual((await call(url, "GET", "/__sim/health", { ca })).json, { ok: true });
      proc.child.kill("SIGTERM");
      assert.equal(await proc.exited, 0);
    } finally {
      proc.kill();
    }
  });

  it("--http --state keeps secrets across restarts", async () => {
    const state = join(dir, "state.json");
    const args = ["--port", "0", "--http", "--state", state];
    const first = start(BIN.sim, args, dir);
    try {
      const url = (await first.line(/listening on (http:\/\/\S+)/))[1] as string;
      const seeded = await call(url, "POST", "/__sim/secrets", {
        body: { name: "kept", material: "m" },
      });
      assert.equal(seeded.status, 201);
      first.child.kill("SIGINT");
      assert.equal(await first.exited, 0);
    } finally {
      first.kill();
    }
    assert.ok(existsSync(state));
    const second = start(BIN.sim, args, dir);
    try {
      const url = (await second.line(/listening on (http:\/\/\S+)/))[1] as string;
      const summary = await call(url, "GET", "/__sim/state");
      assert.deepEqual(
        summary.json.secrets.root.map((s: { name: string }) => s.name),
        ["kept"],
      );
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    } finally {
      second.kill();
    }
  });

  it("rejects bad options naming them", async () => {
    const ttl = await run(BIN.sim, ["--jwt-ttl", "500ms"], { cwd: dir });
    assert.notEqual(ttl.code, 0);
    assert.match(ttl.stderr, /--jwt-ttl/);
    const port = await run(BIN.sim, ["--port", "http"], { cwd: dir });
    assert.notEqual(port.code, 0);
    assert.match(port.stderr, /--port/);
  });
});
