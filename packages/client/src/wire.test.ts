import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kindOfApiError } from "./errors.js";
import {
  decodeBase64,
  encodeBase64,
  keyDescriptionFromWire,
  listLineFromWire,
  listPageFromWire,
  selfDescriptionFromWire,
  statusFromWire,
  uptimeToMs,
  WireError,
} from "./wire.js";

describe("wire decoding", () => {
  it("reads standard padded base64 only", () => {
    assert.deepEqual([...decodeBase64("AAEC", "x")], [0, 1, 2]);
    assert.deepEqual([...decodeBase64("AAE=", "x")], [0, 1]);
    assert.equal(decodeBase64("", "x").length, 0);
    for (const bad of ["AAE", "AA-_", "A===", "AAEC\n"]) {
      assert.throws(() => decodeBase64(bad, "field"), WireError, bad);
    }
    assert.equal(encodeBase64(new Uint8Array([0, 1])), "AAE=");
  });

  it("reads a 2023 key description and drops empty optional fields", () => {
    const info = keyDescriptionFromWire({
      name: "my-key",
      id: "66687aadf862bd776c8fc18b8e9f8e20",
      algorithm: "AES256-GCM_SHA256",
      created_at: "2023-02-15T14:54:37.123456789Z",
      created_by: "",
    });
    assert.deepEqual(info, {
      name: "my-key",
      id: "66687aadf862bd776c8fc18b8e9f8e20",
      algorithm: "AES256-GCM_SHA256",
      createdAt: "2023-02-15T14:54:37.123456789Z",
    });
    assert.throws(() => keyDescriptionFromWire({ id: "x" }), /"name" is not a string/);
    assert.throws(() => keyDescriptionFromWire([]), /not a JSON object/);
  });

  it("reads 2023 and 2024 self descriptions", () => {
    const v2023 = selfDescriptionFromWire({
      identity: "a".repeat(64),
      policy_name: "my-app",
      created_at: "2023-01-01T00:00:00Z",
      policy: { allow: ["/v1/key/create/my-app*"], created_at: "2023-01-01T00:00:00Z" },
    });
    assert.equal(v2023.admin, false);
    assert.equal(v2023.policyName, "my-app");
    assert.deepEqual(v2023.policy.allow, ["/v1/key/create/my-app*"]);
    assert.deepEqual(v2023.policy.deny, []);

    const v2024 = selfDescriptionFromWire({
      identity: "b".repeat(64),
      admin: true,
      policy: { name: "p", allow: { "/v1/key/*": {} }, deny: { "/v1/key/delete/*": {} } },
    });
    assert.equal(v2024.admin, true);
    assert.equal(v2024.policyName, "p");
    assert.deepEqual(v2024.policy.allow, ["/v1/key/*"]);
    assert.deepEqual(v2024.policy.deny, ["/v1/key/delete/*"]);
  });

  it("converts uptime from either unit to ms", () => {
    assert.equal(uptimeToMs(5_000_000_000), 5000); // 2023: nanoseconds
    assert.equal(uptimeToMs(5), 5000); // 2024: seconds
    assert.equal(uptimeToMs(0), 0);
  });

  it("reads a status and insists on numbers", () => {
    const status = statusFromWire({
      version: "v1",
      os: "linux",
      arch: "amd64",
      uptime: 3_000_000_000,
      num_cpu: 4,
      num_cpu_used: 4,
      mem_heap_used: 10,
      mem_stack_used: 2,
      keystore_latency: 1,
      keystore_unavailable: true,
      keystore_unreachable: true,
    });
    assert.equal(status.uptimeMs, 3000);
    assert.equal(status.keystoreLatencyMs, 1);
    assert.equal(status.keystoreUnreachable, true);
    assert.throws(() => statusFromWire({ version: "v", uptime: "1s" }), /"uptime" is not a number/);
  });

  it("reads both list shapes", () => {
    assert.deepEqual(listLineFromWire('{"name":"k1"}'), { name: "k1" });
    assert.deepEqual(listLineFromWire('{"error":"bad gateway"}'), { error: "bad gateway" });
    assert.throws(() => listLineFromWire("{"), /not JSON/);
    assert.deepEqual(listPageFromWire({ names: ["a", "b"], continue_at: "c" }), {
      names: ["a", "b"],
      continueAt: "c",
    });
    assert.deepEqual(listPageFromWire({ names: null }), { names: [], continueAt: "" });
    assert.throws(() => listPageFromWire({ names: [1] }), /list of strings/);
  });

  it("recognises KES's fixed error texts, legacy ones included", () => {
    assert.equal(kindOfApiError(400, "key already exists"), "key_exists");
    assert.equal(kindOfApiError(403, "not authorized: insufficient permissions"), "not_authorized");
    assert.equal(kindOfApiError(403, "prohibited by policy"), "not_authorized");
    assert.equal(kindOfApiError(400, "key does already exist"), "key_exists");
    assert.equal(kindOfApiError(404, "key already exists"), undefined);
    assert.equal(kindOfApiError(500, "EOF"), undefined);
  });
});
