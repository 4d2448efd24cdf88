/**
 * Opening the CipherTrust keystore: every way startup can fail says what is wrong and which
 * setting to fix, within the call timeout, and never shows the refresh token.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import { startSimulator } from "@kes/ciphertrust-sim";
import type { KeystoreConfig } from "@kes/config";
import { isKesError } from "@kes/core";
import { createCertificateAuthority, issueCertificate } from "@kes/identity";
import { openCipherTrustKeyStore, openKeyStore } from "@kes/keystore-service";
import { type Cm, startCm, TOKEN_PATH, text } from "./support.js";

/** Asserts that opening fails with a message matching every pattern, and no refresh token. */
async function refused(
  opening: Promise<unknown>,
  token: string,
  ...patterns: RegExp[]
): Promise<string> {
  let message = "";
  await assert.rejects(opening, (err: unknown) => {
    assert.ok(isKesError(err), `not a KesError: ${String(err)}`);
    message = err.message;
    for (const pattern of patterns) assert.match(message, pattern);
    assert.ok(!message.includes(token), "the refresh token is in the message");
    return true;
  });
  return message;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("opening the CipherTrust keystore", () => {
  let cm: Cm;
  before(async () => {
    cm = await startCm();
  });
  after(() => cm.close());

  it("opens through openKeyStore with the config block, and works", async () => {
    const store = await openKeyStore(cm.config() as KeystoreConfig);
    try {
      assert.equal(store.kind, "gemalto.keysecure");
      assert.equal(store.endpoint, cm.sim.url);
      await store.create("via-config", text("v"));
      assert.deepEqual(await store.get("via-config"), text("v"));
    } finally {
      await store.close();
    }
  });

  it("names credentials.token for a wrong, revoked or expired refresh token, with CM's reason", async () => {
    await refused(
      cm.open({}, { token: "WrongTokenWrongTokenWrongToken" }),
      "WrongTokenWrongTokenWrongToken",
      /^CipherTrust Manager refused the refresh token \(keystore\.gemalto\.keysecure\.credentials\.token\): 401 NCERRUnauthorizedAccess - Invalid token \(code 5\)/,
      /ksctl tokens create --user <user> --password <password> --issue-rt/,
    );
    const revoked = await cm.sim.issueRefreshToken("kes", "Kes-Passw0rd!");
    cm.sim.state.revokeRefreshToken(revoked);
    await refused(cm.open({}, { token: revoked }), revoked, /Token has been revoked/);
    const expired = await cm.sim.issueRefreshToken("kes", "Kes-Passw0rd!");
    cm.sim.state.expireRefreshToken(expired);
    await refused(cm.open({}, { token: expired }), expired, /Token has expired/);
  });

  it("mentions credentials.domain when a domain is configured", async () => {
    await refused(
      cm.open({}, { domain: "other" }),
      cm.refreshToken,
      /refused the refresh token/,
      /keystore\.gemalto\.keysecure\.credentials\.domain \("other"\) is the token's domain/,
    );
  });

  it("names the config key of an empty endpoint or token (the guide's template values)", async () => {
    await refused(
      cm.open({}, { endpoint: "" }),
      cm.refreshToken,
      /keystore\.gemalto\.keysecure\.endpoint is empty/,
    );
    await refused(
      cm.open({}, { token: "" }),
      "\u0000",
      /keystore\.gemalto\.keysecure\.credentials\.token is empty/,
    );
  });

  it("says which host:port refused the connection, at once", async () => {
    const port = await closedPort();
    const start = performance.now();
    await refused(
      cm.open({}, { endpoint: `https://127.0.0.1:${port}` }),
      cm.refreshToken,
      new RegExp(
        `cannot connect to CipherTrust Manager at 127\\.0\\.0\\.1:${port}: connection refused`,
      ),
    );
    assert.ok(performance.now() - start < 1_000, "a refused connection is not retried");
  });

  it("says which host it cannot resolve", async () => {
    await refused(
      cm.open({}, { endpoint: "https://kes-cm.invalid" }),
      cm.refreshToken,
      /cannot resolve the CipherTrust Manager host "kes-cm\.invalid"/,
    );
  });

  it("fails within its timeout when /auth/tokens hangs", async () => {
    const id = cm.sim.faults.add({ match: { path: TOKEN_PATH }, action: { type: "hang" } });
    try {
      const start = performance.now();
      await refused(
        cm.open({ timeoutMs: 1_000 }),
        cm.refreshToken,
        /^cannot obtain a CipherTrust Manager access token: no answer from CipherTrust Manager at 127\.0\.0\.1:\d+ within 1000 ms/,
      );
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
    } finally {
      cm.sim.faults.remove(id);
    }
  });

  it("retries a token request answered 503, and opens", async () => {
    cm.sim.log.clear();
    cm.sim.faults.add({
      match: { path: TOKEN_PATH },
      trigger: { type: "next", count: 2 },
      action: { type: "status", status: 503 },
    });
    await cm.open();
    assert.deepEqual(
      cm.sim.log.entries({ path: "/api/v1/auth/tokens" }).map((e) => e.status),
      [503, 503, 200],
    );
  });

  for (const [mode, pattern] of [
    ["lowercase-bearer", /token answer is malformed: token_type is "bearer", expected "Bearer"/],
    ["zero-duration", /token answer is malformed: duration is 0/],
    ["missing-jwt", /token answer is malformed: no jwt/],
    ["not-json", /token answer is malformed: not JSON/],
    ["status-201", /did not issue an access token: 201/],
  ] as const) {
    it(`refuses a token answer with ${mode}`, async () => {
      const id = cm.sim.faults.add({
        match: { path: TOKEN_PATH },
        action: { type: "token", mode },
      });
      try {
        await refused(cm.open(), cm.refreshToken, pattern);
      } finally {
        cm.sim.faults.remove(id);
      }
    });
  }
});

describe("opening the CipherTrust keystore: TLS", () => {
  let cm: Cm;
  before(async () => {
    cm = await startCm();
  });
  after(() => cm.close());

  it("trusts the simulator's CA from a tls.ca file or a directory", async () => {
    const dir = join(cm.dir, "cas");
    await mkdir(dir);
    await copyFile(cm.sim.caFile as string, join(dir, "cm-ca.pem"));
    for (const ca of [cm.sim.caFile as string, dir]) {
      const store = await cm.open({}, { ca });
      assert.equal((await store.status()).reachable, true, ca);
    }
  });

  it("without tls.ca: the certificate is not trusted, set tls.ca", async () => {
    const { ca: _ca, ...config } = cm.config();
    await refused(
      openCipherTrustKeyStore(config),
      cm.refreshToken,
      /TLS certificate at 127\.0\.0\.1:\d+ is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): set keystore\.gemalto\.keysecure\.tls\.ca/,
    );
  });

  it("with the wrong CA in tls.ca: says tls.ca did not issue the certificate", async () => {
    const other = await createCertificateAuthority({ subject: "Another CA" });
    const file = join(cm.dir, "other-ca.pem");
    await writeFile(file, other.certPem);
    await refused(
      cm.open({}, { ca: file }),
      cm.refreshToken,
      /tls\.ca \("[^"]+other-ca\.pem"\) did not issue it/,
    );
  });

  it("an http endpoint on the TLS server: asks whether the scheme is right", async () => {
    await refused(
      cm.open({}, { endpoint: cm.sim.url.replace("https:", "http:") }),
      cm.refreshToken,
      /broke before a complete answer .*is the endpoint's scheme right\? .*says http:\/\//,
    );
  });

  it("an https endpoint on a plain-HTTP server: asks whether the scheme is right", async () => {
    const plain = await startSimulator();
    try {
      await refused(
        cm.open({}, { endpoint: plain.url.replace("http:", "https:") }),
        cm.refreshToken,
        /TLS handshake with 127\.0\.0\.1:\d+ failed .*is the endpoint's scheme right\?/,
      );
    } finally {
      await plain.close();
    }
  });

  describe("certificates a KES (Go) client refuses", () => {
    let ca: { certPem: string; keyPem: string };
    before(async () => {
      ca = await createCertificateAuthority({ subject: "CM test CA" });
    });

    async function simWith(leaf: { certPem: string; keyPem: string }) {
      const sim = await startSimulator({
        tls: { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem },
      });
      const caFile = join(cm.dir, `ca-${sim.port}.pem`);
      await writeFile(caFile, ca.certPem);
      return { sim, caFile };
    }

    it("no subjectAltName: says the CM certificate must be re-issued with a SAN (the guide's note)", async () => {
      // Its CN even names the host: Node alone would accept it, KES never did.
      const leaf = await issueCertificate(ca, { subject: "localhost", usage: "both" });
      const { sim, caFile } = await simWith(leaf);
      try {
        for (const host of ["127.0.0.1", "localhost"]) {
          const endpoint = `https://${host}:${sim.port}`;
          await refused(
            cm.open({}, { endpoint, ca: caFile }),
            cm.refreshToken,
            /the CipherTrust Manager TLS certificate has no subjectAltName \(SAN\)/,
            new RegExp(
              `Re-issue the CipherTrust Manager certificate with a subjectAltName matching the endpoint host "${host}"`,
            ),
          );
        }
      } finally {
        await sim.close();
      }
    });

    it("a SAN for another host: names the host and the certificate's names", async () => {
      const leaf = await issueCertificate(ca, {
        subject: "cm",
        dns: ["cm.example.com"],
        usage: "server",
      });
      const { sim, caFile } = await simWith(leaf);
      try {
        await refused(
          cm.open({}, { endpoint: sim.url, ca: caFile }),
          cm.refreshToken,
          /TLS certificate is not valid for "127\.0\.0\.1" \(it names DNS:cm\.example\.com\)/,
        );
      } finally {
        await sim.close();
      }
    });
  });
});
