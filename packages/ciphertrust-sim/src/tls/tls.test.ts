import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startSimulator, TLS_FILES } from "../index.js";
import { call } from "../testing/http.js";
import { guideSetup, jwtFor } from "../testing/setup.js";

describe("TLS mode", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ciphertrust-sim-tls-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("writes ca.pem, server.pem and server.key; a client trusting only that CA connects", async () => {
    const sim = await startSimulator({ tlsDir: dir });
    try {
      assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(sim.caFile, join(dir, TLS_FILES.ca));
      const ca = await readFile(join(dir, TLS_FILES.ca), "utf8");
      assert.equal(ca, sim.caPem);
      assert.equal((await stat(join(dir, TLS_FILES.key))).mode & 0o777, 0o600);
      const cert = new X509Certificate(await readFile(join(dir, TLS_FILES.cert), "utf8"));
      assert.ok(cert.checkIP("127.0.0.1"), "SAN covers 127.0.0.1");
      assert.ok(cert.checkHost("localhost"), "SAN covers localhost");
      assert.ok(cert.verify(new X509Certificate(ca).publicKey), "signed by the CA");

      const res = await call(sim.url, "GET", "/", { ca });
      assert.equal(res.status, 200);
      const jwt = await jwtFor(sim, (await guideSetup(sim)).refreshToken);
      const list = await call(sim.url, "GET", "/api/v1/vault/secrets", { ca, token: jwt });
      assert.equal(list.status, 200);

      await assert.rejects(
        call(sim.url, "GET", "/"),
        /self[- ]signed|unable to verify|certificate/i,
      );
    } finally {
      await sim.close();
    }
  });

  it("reuses a valid TLS directory across restarts", async () => {
    const first = await startSimulator({ tlsDir: dir });
    await first.close();
    const second = await startSimulator({ tlsDir: dir });
    try {
      assert.equal(second.caPem, first.caPem);
    } finally {
      await second.close();
    }
  });

  it("serves a given certificate and key; tls: true makes a fresh CA in memory", async () => {
    const made = await startSimulator({ tls: true });
    const ca = made.caPem as string;
    assert.equal(made.caFile, undefined);
    await made.close();
    const sim = await startSimulator({
      tls: {
        certPem: await readFile(join(dir, TLS_FILES.cert), "utf8"),
        keyPem: await readFile(join(dir, TLS_FILES.key), "utf8"),
      },
    });
    try {
      const res = await call(sim.url, "GET", "/", {
        ca: await readFile(join(dir, TLS_FILES.ca), "utf8"),
      });
      assert.equal(res.status, 200);
      assert.equal(sim.caPem, undefined);
      assert.notEqual(ca, sim.caPem);
    } finally {
      await sim.close();
    }
  });
});
