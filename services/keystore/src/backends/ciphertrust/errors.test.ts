import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyTransportError, describeCmError, parseCmError, TransportError } from "./errors.js";
import { NO_SAN_CODE } from "./tls.js";

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const url = new URL("https://cm.example.com:8443");

function coded(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`boom ${code}`), { code }, extra);
}

describe("CipherTrust error answers", () => {
  it("reads code and codeDesc from a JSON body, whatever the charset parameter", () => {
    for (const type of ["application/json", "application/json; charset=utf-8"]) {
      const info = parseCmError(
        401,
        type,
        json({ code: 5, codeDesc: "NCERRUnauthorizedAccess", message: "Token has been revoked" }),
      );
      assert.deepEqual(info, {
        status: 401,
        isCmBody: true,
        code: 5,
        codeDesc: "NCERRUnauthorizedAccess",
        message: "Token has been revoked",
      });
      assert.equal(
        describeCmError(info),
        "401 NCERRUnauthorizedAccess - Token has been revoked (code 5)",
      );
    }
  });

  it("uses the text of a non-JSON answer (CM's missing-header 401, a proxy page)", () => {
    const info = parseCmError(503, "text/html", Buffer.from("<h1>503\nService Unavailable</h1>"));
    assert.equal(info.isCmBody, false);
    assert.equal(describeCmError(info), "503 <h1>503 Service Unavailable</h1>");
    assert.equal(describeCmError(parseCmError(502, "", Buffer.alloc(0))), "502 (empty answer)");
  });

  it("treats JSON without code or codeDesc, or broken JSON, as text", () => {
    assert.equal(parseCmError(500, "application/json", json({ error: "x" })).isCmBody, false);
    assert.equal(parseCmError(500, "application/json", Buffer.from("{oops")).text, "{oops");
  });

  it("shortens a long answer", () => {
    const info = parseCmError(500, "text/plain", Buffer.from("x".repeat(5000)));
    assert.ok((info.text?.length ?? 0) <= 201);
  });
});

describe("CipherTrust transport errors", () => {
  it("does not retry a refused connection and names host:port", () => {
    const err = classifyTransportError(coded("ECONNREFUSED"), url, undefined);
    assert.equal(err.kind, "refused");
    assert.equal(err.retryable, false);
    assert.match(err.message, /cm\.example\.com:8443: connection refused/);
  });

  it("fills in the default port", () => {
    const err = classifyTransportError(coded("ECONNREFUSED"), new URL("https://cm"), undefined);
    assert.match(err.message, /at cm:443/);
  });

  it("names the host it cannot resolve", () => {
    const err = classifyTransportError(coded("ENOTFOUND"), url, undefined);
    assert.equal(err.kind, "dns");
    assert.match(err.message, /cannot resolve the CipherTrust Manager host "cm\.example\.com"/);
  });

  it("retries timeouts and dropped connections, never TLS failures", () => {
    for (const code of [
      "UND_ERR_HEADERS_TIMEOUT",
      "UND_ERR_CONNECT_TIMEOUT",
      "UND_ERR_BODY_TIMEOUT",
    ]) {
      assert.equal(classifyTransportError(coded(code), url, undefined).retryable, true, code);
    }
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]) {
      const err = classifyTransportError(coded(code), url, undefined);
      assert.equal(err.kind, "reset", code);
      assert.equal(err.retryable, true, code);
    }
    const tls = classifyTransportError(coded("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), url, undefined);
    assert.equal(tls.kind, "tls");
    assert.equal(tls.retryable, false);
  });

  it("says to set tls.ca for an untrusted certificate, or that tls.ca is the wrong CA", () => {
    const unset = classifyTransportError(coded("SELF_SIGNED_CERT_IN_CHAIN"), url, undefined);
    assert.match(unset.message, /not trusted .*set keystore\.gemalto\.keysecure\.tls\.ca/);
    const wrong = classifyTransportError(coded("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), url, "/ca.pem");
    assert.match(wrong.message, /tls\.ca \("\/ca\.pem"\) did not issue it/);
  });

  it("says a certificate without SAN must be re-issued with one", () => {
    for (const err of [
      coded(NO_SAN_CODE),
      coded("ERR_TLS_CERT_ALTNAME_INVALID", { cert: { subject: { CN: "x" } } }),
    ]) {
      const classified = classifyTransportError(err, url, undefined);
      assert.match(classified.message, /has no subjectAltName \(SAN\)/);
      assert.match(
        classified.message,
        /Re-issue the CipherTrust Manager certificate with a subjectAltName matching the endpoint host "cm\.example\.com"/,
      );
    }
  });

  it("lists the names a mismatching certificate has", () => {
    const err = coded("ERR_TLS_CERT_ALTNAME_INVALID", {
      cert: { subjectaltname: "DNS:other.example.com" },
    });
    assert.match(
      classifyTransportError(err, url, undefined).message,
      /not valid for "cm\.example\.com" \(it names DNS:other\.example\.com\)/,
    );
  });

  it("passes a TransportError through", () => {
    const original = new TransportError("timeout", "slow", true);
    assert.equal(classifyTransportError(original, url, undefined), original);
  });
});
