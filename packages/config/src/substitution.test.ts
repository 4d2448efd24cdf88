import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { expectError, ID_A, ID_B, minimal, parse } from "./test-helpers.js";

describe("${VAR} substitution (kes-api.md §7.1)", () => {
  it("replaces a whole value, trimmed, quoted or not, for every kind of field", () => {
    const text = [
      "address: ${ADDR}",
      "admin:",
      "  identity: '  ${ADMIN}  '",
      "tls:",
      '  key: "${KEY_FILE}"',
      "  cert: ${CERT_FILE}",
      "  password: ${TLS_PASSWORD}",
      "  auth: ${AUTH}",
      "cache:",
      "  expiry:",
      "    any: ${ANY}",
      "policy:",
      "  p:",
      "    identities: [ '${APP}' ]",
      "keystore:",
      "  gemalto:",
      "    keysecure:",
      "      endpoint: ${CM}",
      "      credentials:",
      "        token: ${TOKEN}",
      "        retry: ${RETRY}",
      "",
    ].join("\n");
    const config = parse(text, {
      ADDR: "127.0.0.1:7000",
      ADMIN: ID_A,
      KEY_FILE: "/etc/kes/server.key",
      CERT_FILE: "certs/server.cert",
      TLS_PASSWORD: " pass word ",
      AUTH: "on",
      ANY: "1m",
      APP: ID_B,
      CM: "https://cm.example.com",
      TOKEN: "refresh-token",
      RETRY: "2s",
    });
    assert.equal(config.address, "127.0.0.1:7000");
    assert.equal(config.admin, ID_A);
    assert.equal(config.tls.key, "/etc/kes/server.key");
    assert.equal(config.tls.cert, resolve("certs/server.cert"));
    assert.equal(config.tls.password, " pass word ");
    assert.equal(config.tls.auth, "on");
    assert.equal(config.cache.expiry.any, 60_000);
    assert.deepEqual(config.policies["p"]?.identities, [ID_B]);
    assert.deepEqual(config.keystore, {
      kind: "gemalto.keysecure",
      endpoint: "https://cm.example.com",
      token: "refresh-token",
      domain: "",
      retryMs: 2_000,
    });
  });

  it("text around a reference is left alone", () => {
    const config = parse(minimal("keystore:\n  fs:\n    path: /data/${NOT_A_REFERENCE}/keys\n"));
    assert.deepEqual(config.keystore, { kind: "fs", path: "/data/${NOT_A_REFERENCE}/keys" });
  });

  it("a missing variable is an error naming the variable and the key", () => {
    expectError(
      minimal(`policy:\n  my-app:\n    identities:\n    - \${APP_IDENTITY}\n`),
      "server-config.yml:9: policy.my-app.identities[0]: environment variable APP_IDENTITY is not set",
    );
    expectError(
      minimal("", "admin:\n  identity: ${KES_ADMIN}\n"),
      "server-config.yml:2: admin.identity: environment variable KES_ADMIN is not set",
    );
  });

  it("an empty variable for an identity says so", () => {
    expectError(
      minimal(`policy:\n  my-app:\n    identities:\n    - \${APP_IDENTITY}\n`),
      "server-config.yml:9: policy.my-app.identities[0]: the identity is empty (environment variable APP_IDENTITY is set but empty)",
      { APP_IDENTITY: "" },
    );
  });

  it("half-open references are errors", () => {
    expectError(
      minimal("keystore:\n  fs:\n    path: ${KES_DIR\n"),
      "server-config.yml:8: keystore.fs.path: '${KES_DIR' starts a ${VARIABLE} reference but does not end with '}'",
    );
    expectError(
      minimal("keystore:\n  fs:\n    path: KES_DIR}\n"),
      "server-config.yml:8: keystore.fs.path: the value ends with '}' but is not a whole ${VARIABLE} reference",
    );
    expectError(
      minimal("keystore:\n  fs:\n    path: ${KES DIR}\n"),
      "server-config.yml:8: keystore.fs.path: '${KES DIR}' is not a valid environment variable reference",
    );
  });

  it("never applies to policy patterns or to version", () => {
    const env = { PATTERN: "/v1/status", VERSION: "v1" };
    expectError(
      minimal("policy:\n  p:\n    allow:\n    - ${PATTERN}\n"),
      "server-config.yml:9: policy.p.allow[0]: pattern '${PATTERN}' does not start with '/': patterns match request paths such as /v1/key/create/my-key",
      env,
    );
    expectError(
      minimal("version: ${VERSION}\n"),
      "server-config.yml:6: version: unsupported config version '${VERSION}': the only version is v1",
      env,
    );
  });

  it("a substituted value is then parsed as the field's type", () => {
    expectError(
      minimal("cache:\n  expiry:\n    unused: ${UNUSED}\n"),
      "server-config.yml:8: cache.expiry.unused: invalid duration 'soon': expected a Go duration such as 30s, 5m or 1h30m",
      { UNUSED: "soon" },
    );
  });

  it("secrets never appear in error messages", () => {
    let message = "";
    try {
      parse(
        minimal(
          "keystore:\n  gemalto:\n    keysecure:\n      credentials:\n        token: abc-secret}\n",
        ),
      );
    } catch (err) {
      message = (err as Error).message;
    }
    assert.match(message, /keystore\.gemalto\.keysecure\.credentials\.token/);
    assert.ok(!message.includes("abc-secret"), message);
  });
});
