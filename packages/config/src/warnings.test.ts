import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConfigWarning } from "./errors.js";
import { FILE, ID_A, minimal, parse } from "./test-helpers.js";

describe("keys accepted with a warning", () => {
  it("lists each with its path and line", () => {
    const text = minimal(
      [
        "cache:",
        "  expiry:",
        "    offline: 1h",
        "log:",
        "  error: WARN",
        "  audit: INFO+2",
        "api:",
        "  /v1/status:",
        "    skip_auth: true",
        "    timeout: 5s",
        "keys:",
        "- name: minio-default-key",
        "unseal:",
        "  hsm: {}",
        "",
      ].join("\n"),
      `root: ${ID_A.toUpperCase()}\n`,
      // tls.proxy goes under tls: lines 5-8
    ).replace(
      "  cert: server.cert\n",
      "  cert: server.cert\n  proxy:\n    identities: []\n    header:\n      cert: X-Tls-Client-Cert\n",
    );
    const config = parse(text);
    assert.deepEqual(config.warnings, [
      {
        path: "root",
        line: 1,
        message:
          "this looks like an identity but is not 64 lowercase hex characters, so it can never match a client: the admin is disabled",
      },
      {
        path: "tls.proxy",
        line: 5,
        message:
          "TLS proxies are not supported by this server: tls.proxy is ignored, so requests relayed by a proxy are authenticated as the proxy itself",
      },
      {
        path: "cache.expiry.offline",
        line: 11,
        message:
          "the offline cache is accepted but not implemented yet: cached keys are not kept available while the keystore is unreachable",
      },
      {
        path: "log.error",
        line: 13,
        message: "log levels are not supported: 'WARN' is treated as on",
      },
      {
        path: "log.audit",
        line: 14,
        message: "log levels are not supported: 'INFO+2' is treated as on",
      },
      {
        path: "keystore",
        line: 1,
        message:
          "no persistent keystore configured: keys are kept in memory and lost when the server stops",
      },
      { path: "unseal", line: 21, message: "'unseal' is accepted but ignored by this server" },
    ]);
    assert.equal(config.admin, null);
    assert.deepEqual(config.log, { error: true, audit: true });
    assert.deepEqual(config.api, { "/v1/status": { skipAuth: true, timeoutMs: 5_000 } });
    assert.deepEqual(config.keys, ["minio-default-key"]);
    assert.equal(config.cache.expiry.offline, 3_600_000);
    assert.deepEqual(config.keystore, { kind: "memory" });
  });

  it("an empty keystore block or an explicit memory block means memory, with the warning", () => {
    for (const block of ["keystore:\n", "keystore: {}\n", "keystore:\n  memory: {}\n"]) {
      const config = parse(minimal(block));
      assert.deepEqual(config.keystore, { kind: "memory" }, block);
      assert.equal(config.warnings.length, 1, block);
      assert.match(config.warnings[0]?.message ?? "", /keys are kept in memory and lost/);
    }
  });

  it("warnings format like errors", () => {
    assert.equal(
      formatConfigWarning(FILE, { path: "tls.proxy", line: 5, message: "ignored" }),
      "server-config.yml:5: tls.proxy: ignored",
    );
    assert.equal(
      formatConfigWarning(FILE, { path: "", message: "note" }),
      "server-config.yml: note",
    );
  });
});
