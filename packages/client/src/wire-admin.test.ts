import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apisFromWire,
  auditEventFromWire,
  errorEventFromWire,
  identityInfoFromWire,
  listLine,
  policyLineFromWire,
  responseTimeToMs,
} from "./wire-admin.js";

describe("operator API wire shapes", () => {
  it("reads audit events of 2023 (ns) and 2024 (ms)", () => {
    const line =
      '{"time":"2023-02-15T15:54:37.1+01:00","request":{"ip":"10.1.2.3","path":"/v1/key/generate/k","identity":"ab"},"response":{"code":200,"time":2345000}}';
    assert.deepEqual(auditEventFromWire(line), {
      time: "2023-02-15T15:54:37.1+01:00",
      request: { path: "/v1/key/generate/k", ip: "10.1.2.3", identity: "ab" },
      response: { code: 200, timeMs: 2.345 },
      json: line,
    });
    assert.equal(responseTimeToMs(0), 0);
    assert.equal(responseTimeToMs(7), 7);
    assert.equal(responseTimeToMs(1_000), 0.001);
    assert.equal(responseTimeToMs(1_500_000_000), 1500);
    assert.throws(() => auditEventFromWire('{"time":"t","request":{}}'), /"path" is not a string/);
    assert.throws(() => auditEventFromWire("{"), /audit event is not JSON/);
  });

  it("reads error log events", () => {
    assert.deepEqual(errorEventFromWire('{"message":"boom"}'), {
      message: "boom",
      json: '{"message":"boom"}',
    });
    assert.throws(() => errorEventFromWire('{"msg":"boom"}'), /"message" is not a string/);
  });

  it("reads /v1/api rows, with or without verify_auth", () => {
    assert.deepEqual(
      apisFromWire([{ method: "GET", path: "/v1/status", max_body: 0, timeout: 15 }]),
      [{ method: "GET", path: "/v1/status", maxBody: 0, timeoutSeconds: 15 }],
    );
    assert.throws(() => apisFromWire({}), /not a JSON array/);
    assert.throws(() => apisFromWire([{ method: 1 }]), /api response item 0: "method"/);
  });

  it("reads identity descriptions with a policy name or a 2024 policy object", () => {
    assert.deepEqual(identityInfoFromWire({ admin: true, policy: "" }, "id"), {
      identity: "id",
      admin: true,
    });
    assert.deepEqual(identityInfoFromWire({ policy: { name: "p" }, identity: "x" }, "id"), {
      identity: "x",
      admin: false,
      policy: "p",
    });
  });

  it("tells list items from the error line", () => {
    assert.deepEqual(listLine('{"name":"p"}', "line", policyLineFromWire), {
      item: { name: "p" },
    });
    assert.deepEqual(listLine('{"error":"failed"}', "line", policyLineFromWire), {
      error: "failed",
    });
  });
});
