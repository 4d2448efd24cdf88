import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { type CipherTrustConfig, settingsOf } from "./config.js";

const base: CipherTrustConfig = {
  kind: "gemalto.keysecure",
  endpoint: "https://cm.example.com",
  token: "refresh-token-value",
  domain: "",
  retryMs: 5000,
};

function refusal(config: Partial<CipherTrustConfig>, pattern: RegExp): void {
  assert.throws(
    () => settingsOf({ ...base, ...config }, {}),
    (err: unknown) => {
      assert.ok(isKesError(err, "invalid_argument"), String(err));
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes("refresh-token-value"), "the token leaked");
      return true;
    },
  );
}

describe("CipherTrust settings", () => {
  it("names the config key of an empty endpoint or token", () => {
    refusal({ endpoint: "" }, /keystore\.gemalto\.keysecure\.endpoint is empty/);
    refusal({ endpoint: "   " }, /keystore\.gemalto\.keysecure\.endpoint is empty/);
    refusal({ token: "" }, /keystore\.gemalto\.keysecure\.credentials\.token is empty/);
  });

  it("refuses endpoints that are not http(s) URLs, or carry credentials or a query", () => {
    refusal({ endpoint: "cm.example.com" }, /endpoint: 'cm\.example\.com' is not a URL/);
    refusal({ endpoint: "ftp://cm.example.com" }, /must start with https:\/\//);
    refusal({ endpoint: "https://user:s3cret@cm.example.com" }, /must not contain a user name/);
    refusal({ endpoint: "https://cm.example.com/?x=1" }, /must not have a query/);
  });

  it("never echoes a password written into the endpoint", () => {
    assert.throws(
      () => settingsOf({ ...base, endpoint: "https://admin:hunter2@cm" }, {}),
      (err: unknown) => !(err as Error).message.includes("hunter2"),
    );
  });

  it("drops one trailing slash and keeps a path prefix", () => {
    const plain = settingsOf({ ...base, endpoint: "https://cm.example.com/" }, {});
    assert.equal(plain.endpoint, "https://cm.example.com");
    assert.equal(plain.basePath, "");
    const prefixed = settingsOf({ ...base, endpoint: "https://gw.example.com/cm/" }, {});
    assert.equal(prefixed.endpoint, "https://gw.example.com/cm");
    assert.equal(prefixed.basePath, "/cm");
  });

  it("takes retry from the config and timeouts from the options, checked", () => {
    const s = settingsOf({ ...base, retryMs: 15_000, ca: "/etc/cm-ca.pem" }, { timeoutMs: 3000 });
    assert.equal(s.retryMs, 15_000);
    assert.equal(s.timeoutMs, 3000);
    assert.equal(s.connectTimeoutMs, 3000, "connecting never outlasts the call");
    assert.equal(s.ca, "/etc/cm-ca.pem");
    assert.equal(settingsOf(base, {}).timeoutMs, 10_000);
    refusal({ retryMs: 0 }, /credentials\.retry must be a positive/);
    assert.throws(() => settingsOf(base, { timeoutMs: -1 }), /timeout must be a positive/);
  });
});
