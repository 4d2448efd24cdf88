import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { certificateFromApiKey, generateApiKey, parseApiKey } from "./api-key.js";
import { identityOfCertificate } from "./spki.js";

// kes-api.md §4.3, checked there against Go's standard library.
const VECTOR = {
  apiKey: "kes:v1:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw",
  spki: "302a300506032b6570032100a06f6aa534af7404add2f025e748a9cf6f7abf1a7cbd458e12b37c4cd107269e",
  identity: "0426fa9a04bc2756b92fbe8a97e1a1e07b53ecf04ed33da22c33e5c9faeb8cbb",
};

function rejects(value: string, message: string): void {
  assert.throws(
    () => parseApiKey(value),
    (err: unknown) => {
      assert.ok(isKesError(err, "invalid_argument"));
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe("API keys", () => {
  it("the §4.3 vector: public key and identity", () => {
    const parsed = parseApiKey(VECTOR.apiKey);
    assert.equal(parsed.identity, VECTOR.identity);
    assert.equal(
      parsed.publicKey.export({ type: "spki", format: "der" }).toString("hex"),
      VECTOR.spki,
    );
    assert.equal(parsed.privateKey.asymmetricKeyType, "ed25519");
    // Surrounding whitespace (a pasted line) is ignored.
    assert.equal(parseApiKey(`  ${VECTOR.apiKey}\n`).identity, VECTOR.identity);
  });

  it("generateApiKey makes a fresh kes:v1 key of 33 bytes whose identity parses back", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a.apiKey, /^kes:v1:[A-Za-z0-9+/]{44}$/);
    assert.equal(Buffer.from(a.apiKey.slice(7), "base64")[0], 0);
    assert.equal(parseApiKey(a.apiKey).identity, a.identity);
    assert.notEqual(a.apiKey, b.apiKey);
    assert.notEqual(a.identity, b.identity);
  });

  it("certificateFromApiKey makes the client certificate §4.3 describes", async () => {
    const before = Date.now();
    const m = await certificateFromApiKey(VECTOR.apiKey);
    const cert = new X509Certificate(m.certPem);
    assert.equal(m.identity, VECTOR.identity);
    assert.equal(identityOfCertificate(m.certPem), VECTOR.identity);
    assert.equal(cert.subject, `CN=${VECTOR.identity}`);
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
    assert.ok(cert.verify(cert.publicKey));
    assert.ok(cert.checkPrivateKey(createPrivateKey(m.keyPem)));
    const from = Date.parse(cert.validFrom);
    // Valid from the second the certificate was made (X.509 times have whole seconds).
    assert.ok(
      from >= Math.floor(before / 1000) * 1000 && from <= Date.now(),
      `validFrom ${cert.validFrom}`,
    );
    assert.equal(Date.parse(cert.validTo) - from, 90 * 86_400_000);
  });

  it("bad keys get clear errors that never echo the key", () => {
    rejects(
      "ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw",
      "invalid API key: it must start with 'kes:v1:'",
    );
    rejects(
      "kes:v2:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw",
      "invalid API key: unsupported version 'v2' (expected 'kes:v1:')",
    );
    rejects("kes:v1:ACQp*Gqx", "invalid API key: the part after 'kes:v1:' is not valid base64");
    rejects("kes:v1:ACQpoGqx", "invalid API key: it holds 6 bytes, expected 33");
    rejects(
      `kes:v1:${Buffer.concat([Buffer.of(1), Buffer.alloc(32, 7)]).toString("base64")}`,
      "invalid API key: unsupported key type 1 (0 = Ed25519)",
    );
    rejects("", "invalid API key: it must start with 'kes:v1:'");
  });
});
