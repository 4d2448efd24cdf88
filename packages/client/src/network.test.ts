import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyNetworkError, describeFailure, isRetryable } from "./network.js";

function coded(code: string, cause?: unknown): Error {
  return Object.assign(new Error(code), { code }, cause === undefined ? {} : { cause });
}

describe("network error classification", () => {
  const cases: [string, string][] = [
    ["ECONNREFUSED", "refused"],
    ["ENOTFOUND", "unresolved"],
    ["ETIMEDOUT", "timeout"],
    ["ECONNRESET", "reset"],
    ["ERR_STREAM_PREMATURE_CLOSE", "reset"],
    ["ERR_HTTP2_STREAM_ERROR", "reset"],
    ["ERR_HTTP2_GOAWAY_SESSION", "reset"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "untrusted-certificate"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "untrusted-certificate"],
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "tls"],
    ["EWHATEVER", "other"],
  ];
  for (const [code, want] of cases) {
    it(`${code} is ${want}`, () => assert.equal(classifyNetworkError(coded(code)), want));
  }

  it("looks through the cause chain", () => {
    const wrapped = Object.assign(new Error("fetch failed"), { cause: coded("ECONNREFUSED") });
    assert.equal(classifyNetworkError(wrapped), "refused");
    assert.equal(classifyNetworkError("not even an error"), "other");
  });

  it("retries what may heal and nothing else", () => {
    assert.equal(isRetryable("refused"), true);
    assert.equal(isRetryable("timeout"), true);
    assert.equal(isRetryable("reset"), true);
    assert.equal(isRetryable("untrusted-certificate"), false);
    assert.equal(isRetryable("tls"), false);
    assert.equal(isRetryable("unresolved"), false);
  });

  it("describes failures in words, naming the TLS code", () => {
    assert.equal(describeFailure("refused", coded("ECONNREFUSED")), "connection refused");
    assert.match(
      describeFailure("untrusted-certificate", coded("DEPTH_ZERO_SELF_SIGNED_CERT")),
      /not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    );
    assert.match(
      describeFailure("tls", coded("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE")),
      /ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE/,
    );
  });
});
