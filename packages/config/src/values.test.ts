import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "./parse.js";
import { ID_A, ID_B, ID_C, minimal, parse } from "./test-helpers.js";

describe("config values and defaults", () => {
  it("defaults: address, cache, log, api, keys, no policies", () => {
    const config = parse(minimal("keystore:\n  fs:\n    path: keys\n"));
    assert.equal(config.address, "0.0.0.0:7373");
    assert.equal(config.admin, ID_A);
    assert.deepEqual(config.cache, { expiry: { any: 300_000, unused: 30_000, offline: 0 } });
    assert.deepEqual(config.log, { error: true, audit: false });
    assert.deepEqual(config.api, {});
    assert.deepEqual(config.keys, []);
    assert.deepEqual(config.policies, {});
    assert.equal(config.tls.auth, undefined);
    assert.equal(config.tls.ca, undefined);
    assert.equal(config.tls.password, undefined);
  });

  it("api paths: every API, with or without its trailing slash, kept as written", () => {
    const config = parse(
      minimal(
        "api:\n  /v1/metrics:\n    skip_auth: on\n  /v1/key/create:\n    timeout: 2s\n" +
          "  /v1/key/list/:\n    timeout: 3s\n  /version:\n    timeout: 1s\n",
      ),
    );
    assert.deepEqual(config.api, {
      "/v1/metrics": { skipAuth: true },
      "/v1/key/create": { skipAuth: false, timeoutMs: 2_000 },
      "/v1/key/list/": { skipAuth: false, timeoutMs: 3_000 },
      "/version": { skipAuth: false, timeoutMs: 1_000 },
    });
  });

  it("relative paths resolve against the config file's directory", () => {
    const text = minimal(
      "keystore:\n  gemalto:\n    keysecure:\n      endpoint: https://cm\n      tls:\n        ca: ../ca/cm.pem\n",
    ).replace("  cert: server.cert\n", "  cert: /abs/server.cert\n  ca: clients\n");
    const config = parseConfig(text, { file: "/etc/kes/config.yml", env: {} });
    assert.equal(config.file, "/etc/kes/config.yml");
    assert.equal(config.tls.key, "/etc/kes/server.key");
    assert.equal(config.tls.cert, "/abs/server.cert");
    assert.equal(config.tls.ca, "/etc/kes/clients");
    assert.equal(
      config.keystore.kind === "gemalto.keysecure" && config.keystore.ca,
      "/etc/ca/cm.pem",
    );
    const fs = parseConfig(minimal("keystore:\n  fs:\n    path: ./keys\n"), {
      file: "cfg/kes.yml",
      env: {},
    });
    assert.equal(fs.file, resolve("cfg/kes.yml"));
    assert.deepEqual(fs.keystore, { kind: "fs", path: resolve("cfg/keys") });
  });

  it("admin: a value that is not an identity disables the admin", () => {
    for (const value of ["disabled", "foobar", "_", "'0123'"]) {
      assert.equal(parse(minimal("", `root: ${value}\n`)).admin, null, value);
      assert.equal(parse(minimal("", `admin:\n  identity: ${value}\n`)).admin, null, value);
    }
    assert.equal(parse(minimal("", `root: ${ID_B}\n`)).admin, ID_B);
  });

  it("a full config: every section", () => {
    const text = [
      "version: v1",
      "address: '[::1]:7373'",
      `admin: { identity: ${ID_A} }`,
      "tls:",
      "  key: k.pem",
      "  cert: c.pem",
      "  auth: off",
      "  password: ''",
      "cache:",
      "  expiry: { any: 5m0s, unused: 20s }",
      "log: { error: 'off', audit: on }",
      "policy:",
      "  minio:",
      "    allow: [/v1/key/create/*, /v1/key/generate/*, /v1/status]",
      "    deny: ['/v1/key/*/internal-*']",
      `    identities: [${ID_B}, ${ID_C}, ${ID_B}]`,
      "  empty:",
      "keystore:",
      "  grpc:",
      "    endpoint: https://keystore.internal:7374",
      "    timeout: 3s",
      "    tls: { ca: ca.pem, cert: client.pem, key: client.key }",
      "",
    ].join("\n");
    const config = parseConfig(text, { file: "/kes/config.yml", env: {} });
    assert.equal(config.address, "[::1]:7373");
    assert.deepEqual(config.tls, { key: "/kes/k.pem", cert: "/kes/c.pem", auth: "off" });
    assert.deepEqual(config.cache.expiry, { any: 300_000, unused: 20_000, offline: 0 });
    assert.deepEqual(config.log, { error: false, audit: true });
    assert.deepEqual(config.policies, {
      minio: {
        allow: ["/v1/key/create/*", "/v1/key/generate/*", "/v1/status"],
        deny: ["/v1/key/*/internal-*"],
        identities: [ID_B, ID_C],
      },
      empty: { allow: [], deny: [], identities: [] },
    });
    assert.deepEqual(config.keystore, {
      kind: "grpc",
      endpoint: "https://keystore.internal:7374",
      timeoutMs: 3_000,
      tls: { ca: "/kes/ca.pem", cert: "/kes/client.pem", key: "/kes/client.key" },
    });
    assert.deepEqual(config.warnings, []);
  });

  it("YAML anchors and aliases work", () => {
    const config = parse(
      minimal(
        `policy:\n  a:\n    allow: &common [/v1/status]\n  b:\n    allow: *common\n    identities: [${ID_B}]\n`,
      ),
    );
    assert.deepEqual(config.policies["b"]?.allow, ["/v1/status"]);
  });
});
