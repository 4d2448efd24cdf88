/**
 * `kes server` (a separate process) when CipherTrust Manager cannot be used at startup: it
 * exits with a message naming the problem, within the default call timeout, never hanging.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@kes/ciphertrust-sim";
import {
  createCertificateAuthority,
  createSelfSignedCertificate,
  issueCertificate,
} from "@kes/identity";
import { killAll, runKes } from "../support/kes-bin.js";
import { type Cm, startCm, TOKEN_PATH } from "./support.js";

/** A KES config for the simulator at `endpoint`, trusting `ca`. */
function config(endpoint: string, token: string, ca: string): string {
  return `address: 127.0.0.1:0
root: disabled
tls:
  key: server.key
  cert: server.cert
keystore:
  gemalto:
    keysecure:
      endpoint: "${endpoint}"
      credentials:
        token: "${token}"
      tls:
        ca: "${ca}"
`;
}

describe("kes server with an unusable CipherTrust Manager", () => {
  let cm: Cm;

  before(async () => {
    cm = await startCm();
    const server = await createSelfSignedCertificate({
      subject: "localhost",
      ip: ["127.0.0.1"],
      usage: "server",
      keyType: "ecdsa-p256",
    });
    await writeFile(join(cm.dir, "server.cert"), server.certPem);
    await writeFile(join(cm.dir, "server.key"), server.keyPem, { mode: 0o600 });
  });
  after(async () => {
    await killAll();
    await cm.close();
  });

  async function serve(configText: string, timeoutMs = 30_000) {
    await writeFile(join(cm.dir, "server-config.yml"), configText);
    return runKes(["server", "--config=server-config.yml", "--auth=off"], {
      cwd: cm.dir,
      timeoutMs,
    });
  }

  it("a silent /auth/tokens: exits within its 10 s timeout with a clear message", async () => {
    const id = cm.sim.faults.add({ match: { path: TOKEN_PATH }, action: { type: "hang" } });
    try {
      const start = performance.now();
      const result = await serve(config(cm.sim.url, cm.refreshToken, cm.sim.caFile as string));
      const elapsed = performance.now() - start;
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        /Error: cannot open the keystore: cannot obtain a CipherTrust Manager access token: no answer from CipherTrust Manager at 127\.0\.0\.1:\d+ within 10000 ms/,
      );
      assert.ok(elapsed < 20_000, `took ${elapsed} ms`);
    } finally {
      cm.sim.faults.remove(id);
    }
  });

  it("a CipherTrust certificate without SAN: says to re-issue it with one (the guide's note)", async () => {
    const ca = await createCertificateAuthority({ subject: "CM CA" });
    const leaf = await issueCertificate(ca, { subject: "localhost", usage: "both" });
    const sim = await startSimulator({ tls: { certPem: leaf.certPem, keyPem: leaf.keyPem } });
    try {
      const caFile = join(cm.dir, "no-san-ca.pem");
      await writeFile(caFile, ca.certPem);
      const result = await serve(config(sim.url, cm.refreshToken, caFile));
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        /Error: cannot open the keystore: .*the CipherTrust Manager TLS certificate has no subjectAltName \(SAN\).*Re-issue the CipherTrust Manager certificate with a subjectAltName matching the endpoint host "127\.0\.0\.1"/,
      );
    } finally {
      await sim.close();
    }
  });

  it("the guide's template as is (empty endpoint): names the setting", async () => {
    const result = await serve(config("", "", ""));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /keystore\.gemalto\.keysecure\.endpoint is empty/);
  });
});
