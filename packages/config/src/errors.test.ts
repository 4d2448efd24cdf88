import { describe, it } from "node:test";
import { expectError, ID_A, ID_B, minimal } from "./test-helpers.js";

// One test per error class; each asserts the exact message with file, line and key path.
describe("config errors name the file, the line and the key path", () => {
  it("wrong type: a map where a string belongs", () => {
    // The example from the task: line 14 holds allow[1], which is a map.
    const text = [
      "address: 0.0.0.0:7373",
      `admin: { identity: ${ID_A} }`,
      "tls:",
      "  key: server.key",
      "  cert: server.cert",
      "",
      "# policies",
      "",
      "policy:",
      "  my-app:",
      "    identities: []",
      "    allow:",
      "    - /v1/key/create/my-app*",
      "    - path: /v1/key/generate/my-app*",
      "",
    ].join("\n");
    expectError(text, "server-config.yml:14: policy.my-app.allow[1]: expected a string, got a map");
  });

  it("wrong types: list, scalar, number", () => {
    expectError(
      minimal("policy: [a, b]\n"),
      "server-config.yml:6: policy: expected a map, got a list",
    );
    expectError(
      minimal("keystore: fs\n"),
      "server-config.yml:6: keystore: expected a map, got a string",
    );
    expectError(
      minimal("policy:\n  p:\n    allow: /v1/status\n"),
      "server-config.yml:8: policy.p.allow: expected a list, got a string",
    );
    expectError(
      minimal("tls2: 1\n").replace("tls2: 1\n", "cache: 5\n"),
      "server-config.yml:6: cache: expected a map, got a number",
    );
  });

  it("invalid YAML and duplicate keys", () => {
    expectError(
      minimal("policy: [a, b\n"),
      // The parser notices the missing ']' at the end of the input.
      "server-config.yml:7: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    expectError(
      minimal("address: :7373\naddress: :7374\n"),
      "server-config.yml:7: invalid YAML: Map keys must be unique",
    );
  });

  it("empty file and a root that is not a map", () => {
    expectError("# nothing here\n", "server-config.yml: the config file is empty");
    expectError("- a\n- b\n", "server-config.yml:1: expected a map, got a list");
  });

  it("unknown keys, with did-you-mean", () => {
    expectError(
      minimal("keystor:\n  fs:\n    path: ./keys\n"),
      "server-config.yml:6: keystor: unknown key; did you mean 'keystore'? (allowed here: version, address, admin, root, tls, cache, log, api, policy, keys, keystore, unseal, services)",
    );
    expectError(
      minimal("keystore:\n  gemalto:\n    keysecur:\n      endpoint: https://cm\n"),
      "server-config.yml:8: keystore.gemalto.keysecur: unknown key; did you mean 'keysecure'? (allowed here: keysecure)",
    );
    expectError(
      minimal("keystore:\n  fs:\n    pth: ./keys\n"),
      "server-config.yml:8: keystore.fs.pth: unknown key; did you mean 'path'? (allowed here: path)",
    );
    expectError(
      minimal("keystore:\n  gemalto:\n    keysecure:\n      credentials:\n        tokn: x\n"),
      "server-config.yml:10: keystore.gemalto.keysecure.credentials.tokn: unknown key; did you mean 'token'? (allowed here: token, domain, retry)",
    );
    expectError(
      minimal(`policy:\n  p:\n    identity: [${ID_B}]\n`),
      "server-config.yml:8: policy.p.identity: unknown key; did you mean 'identities'? (allowed here: allow, deny, identities)",
    );
    expectError(
      minimal("policy:\n  p:\n    allowed: [/v1/status]\n"),
      "server-config.yml:8: policy.p.allowed: unknown key; did you mean 'allow'? (allowed here: allow, deny, identities)",
    );
    expectError(
      minimal("keystore:\n  s3:\n    bucket: x\n"),
      "server-config.yml:7: keystore.s3: unknown key (allowed here: fs, gemalto, grpc, memory)",
    );
    expectError(
      minimal("").replace("  cert:", "  certificate:"),
      "server-config.yml:5: tls.certificate: unknown key; did you mean 'cert'? (allowed here: key, cert, password, ca, auth, proxy)",
    );
  });

  it("keystore backends of other KES releases are refused, not ignored", () => {
    expectError(
      minimal("keystore:\n  vault:\n    endpoint: https://vault:8200\n"),
      "server-config.yml:7: keystore.vault: keystore backend 'vault' is not supported by this server; supported: fs, gemalto.keysecure, grpc",
    );
    expectError(
      minimal("keystore:\n  aws:\n    secretsmanager:\n      endpoint: x\n"),
      "server-config.yml:7: keystore.aws: keystore backend 'aws.secretsmanager' is not supported by this server; supported: fs, gemalto.keysecure, grpc",
    );
  });

  it("more than one keystore backend", () => {
    expectError(
      minimal("keystore:\n  fs:\n    path: ./keys\n  gemalto:\n    keysecure: {}\n"),
      "server-config.yml:9: keystore.gemalto: more than one keystore backend: 'fs' and 'gemalto'; configure exactly one",
    );
  });

  it("keystore blocks with missing or bad values", () => {
    expectError(
      minimal('keystore:\n  fs:\n    path: ""\n'),
      "server-config.yml:8: keystore.fs.path: missing: the directory the keys are stored in (keystore.fs.path) is required",
    );
    expectError(
      minimal("keystore:\n  gemalto: {}\n"),
      "server-config.yml:7: keystore.gemalto.keysecure: missing: the keysecure block is required under gemalto",
    );
    expectError(
      minimal("keystore:\n  gemalto:\n    keysecure:\n      endpoint: cm.example.com\n"),
      "server-config.yml:9: keystore.gemalto.keysecure.endpoint: 'cm.example.com' is not an http(s) URL, e.g. https://ciphertrust.example.com",
    );
    expectError(
      minimal("keystore:\n  grpc: {}\n"),
      "server-config.yml:7: keystore.grpc.endpoint: missing: the keystore service URL (keystore.grpc.endpoint) is required",
    );
    expectError(
      minimal("keystore:\n  grpc:\n    endpoint: https://ks:7374\n    tls:\n      cert: c.pem\n"),
      "server-config.yml:9: keystore.grpc.tls: a client certificate needs both tls.cert and tls.key",
    );
  });

  it("tls.key and tls.cert are required", () => {
    expectError(
      `admin:\n  identity: ${ID_A}\ntls:\n  cert: server.cert\n`,
      "server-config.yml:3: tls.key: missing: the server's private key file (tls.key) is required",
    );
    expectError(
      `admin:\n  identity: ${ID_A}\n`,
      "server-config.yml:1: tls.key: missing: the server's private key file (tls.key) is required",
    );
    expectError(
      `admin:\n  identity: ${ID_A}\ntls:\n  key: server.key\n  cert: ""\n`,
      "server-config.yml:5: tls.cert: missing: the server's certificate file (tls.cert) is required",
    );
  });

  it("admin: missing, empty, or set twice", () => {
    const noAdmin =
      'no admin identity specified: set admin.identity (or the legacy root) to the identity of the admin, or to "disabled" to have no admin';
    expectError(minimal("", ""), `server-config.yml:1: admin.identity: ${noAdmin}`);
    expectError(
      minimal("", 'admin:\n  identity: ""\n'),
      `server-config.yml:2: admin.identity: ${noAdmin}`,
    );
    expectError(minimal("", "root:\n"), `server-config.yml:1: root: ${noAdmin}`);
    expectError(
      minimal("", `admin:\n  identity: ${ID_A}\nroot: disabled\n`),
      "server-config.yml:3: root: both admin.identity and the legacy root are set: keep only admin.identity",
    );
  });

  it("policies: identities must be identities, in one policy, never the admin", () => {
    expectError(
      minimal("policy:\n  p:\n    identities: [not-an-identity]\n"),
      "server-config.yml:8: policy.p.identities[0]: 'not-an-identity' is not an identity: an identity is 64 lowercase hex characters (the SHA-256 of a certificate's public key, as `kes identity of` prints it), so this one could never match a client",
    );
    expectError(
      minimal(`policy:\n  p:\n    identities:\n    - ${ID_B.toUpperCase()}\n`),
      `server-config.yml:9: policy.p.identities[0]: '${ID_B.toUpperCase()}' is not an identity: identities are lowercase hex, so this one could never match a client`,
    );
    expectError(
      minimal(`policy:\n  p:\n    identities:\n    - ${ID_A}\n`),
      "server-config.yml:9: policy.p.identities[0]: the admin identity cannot also be assigned to a policy",
    );
    expectError(
      minimal(`policy:\n  p:\n    identities: [${ID_B}]\n  q:\n    identities:\n    - ${ID_B}\n`),
      `server-config.yml:11: policy.q.identities[0]: identity ${ID_B} is already assigned to policy 'p': an identity can be in at most one policy`,
    );
  });

  it("policies: names and patterns", () => {
    expectError(
      minimal("policy:\n  my.app:\n    allow: [/v1/status]\n"),
      "server-config.yml:7: policy.my.app: invalid policy name: name contains invalid character",
    );
    expectError(
      minimal("policy:\n  p:\n    allow:\n    - v1/key/create/*\n"),
      "server-config.yml:9: policy.p.allow[0]: pattern 'v1/key/create/*' does not start with '/': patterns match request paths such as /v1/key/create/my-key",
    );
    expectError(
      minimal("policy:\n  p:\n    deny:\n    - /v1/key/[create/*\n"),
      "server-config.yml:9: policy.p.deny[0]: pattern '/v1/key/[create/*' is not a valid glob (unbalanced '[' or trailing '\\')",
    );
    expectError(
      minimal('policy:\n  p:\n    allow:\n    - ""\n'),
      "server-config.yml:9: policy.p.allow[0]: the pattern is empty",
    );
  });

  it("bad scalar values: version, address, durations, on/off", () => {
    expectError(
      minimal("version: v2\n"),
      "server-config.yml:6: version: unsupported config version 'v2': the only version is v1",
    );
    expectError(
      minimal("address: localhost\n"),
      "server-config.yml:6: address: 'localhost' is not a host:port address, e.g. 0.0.0.0:7373",
    );
    expectError(
      minimal("cache:\n  expiry:\n    any: 5 minutes\n"),
      "server-config.yml:8: cache.expiry.any: invalid duration '5 minutes': expected a Go duration such as 30s, 5m or 1h30m",
    );
    expectError(
      minimal("cache:\n  expiry:\n    unused: 30\n"),
      "server-config.yml:8: cache.expiry.unused: invalid duration '30': a unit is required, e.g. 30s",
    );
    expectError(
      minimal("cache:\n  expiry:\n    any: -5m\n"),
      "server-config.yml:8: cache.expiry.any: invalid duration '-5m': it must not be negative",
    );
    expectError(
      minimal("").replace("  cert: server.cert\n", "  cert: server.cert\n  auth: maybe\n"),
      "server-config.yml:6: tls.auth: expected on or off (or true or false), got 'maybe'",
    );
    expectError(
      minimal("log:\n  audit: loud\n"),
      "server-config.yml:7: log.audit: expected on or off (or a level: DEBUG, INFO, WARN, ERROR), got 'loud'",
    );
    expectError(
      minimal("keys:\n- name: my/key\n"),
      "server-config.yml:7: keys[0].name: invalid key name 'my/key': name contains invalid character",
    );
    expectError(
      minimal("api:\n  v1/status:\n    skip_auth: true\n"),
      "server-config.yml:7: api.v1/status: 'v1/status' is not an API path: API paths start with '/', e.g. /v1/status",
    );
  });

  it("an API path that names no API, with did-you-mean", () => {
    const apis =
      "(the APIs: /version, /v1/ready, /v1/status, /v1/metrics, /v1/api, /v1/key/create, " +
      "/v1/key/import, /v1/key/describe, /v1/key/delete, /v1/key/list, /v1/key/generate, " +
      "/v1/key/encrypt, /v1/key/decrypt, /v1/key/bulk/decrypt, /v1/key/hmac, " +
      "/v1/policy/describe, /v1/policy/read, /v1/policy/list, /v1/identity/describe, " +
      "/v1/identity/self/describe, /v1/identity/list, /v1/log/error, /v1/log/audit)";
    expectError(
      minimal("api:\n  /v1/status:\n    timeout: 5s\n  /v1/metricz:\n    skip_auth: true\n"),
      `server-config.yml:9: api./v1/metricz: unknown API path; did you mean '/v1/metrics'? ${apis}`,
    );
    expectError(
      minimal("api:\n  /v1/key/creat/:\n    timeout: 5s\n"),
      `server-config.yml:7: api./v1/key/creat/: unknown API path; did you mean '/v1/key/create'? ${apis}`,
    );
    expectError(
      minimal("api:\n  /metrics:\n    skip_auth: true\n"),
      `server-config.yml:7: api./metrics: unknown API path; did you mean '/v1/metrics'? ${apis}`,
    );
    expectError(
      minimal("api:\n  /debug/pprof:\n    skip_auth: true\n"),
      `server-config.yml:7: api./debug/pprof: unknown API path ${apis}`,
    );
  });
});
