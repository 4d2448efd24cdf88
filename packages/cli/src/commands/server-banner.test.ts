import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBanner, listenEndpoints } from "./server-banner.js";

describe("kes server banner", () => {
  it("shows version, keystore, endpoints, admin and mutual TLS like KES", () => {
    const admin = "ab".repeat(32);
    const text = formatBanner({
      version: "0.1.0",
      platform: "linux/x64",
      keystore: { kind: "fs", endpoint: "/var/kes/keys" },
      endpoints: ["https://127.0.0.1:7373", "https://10.0.0.5:7373"],
      admin,
      auth: "on",
    });
    assert.equal(
      text,
      [
        "Version     0.1.0                  linux/x64",
        "",
        "Keystore    fs: /var/kes/keys",
        "Endpoints   https://127.0.0.1:7373",
        "            https://10.0.0.5:7373",
        "",
        `Admin       ${admin}`,
        "Mutual TLS  on                     Verify client certificates",
        "",
      ].join("\n"),
    );
  });

  it("shows a disabled admin and auth off", () => {
    for (const admin of [null, "disabled", "AB".repeat(32)]) {
      const text = formatBanner({
        version: "v",
        platform: "p",
        keystore: { kind: "memory", endpoint: "memory" },
        endpoints: ["https://127.0.0.1:1"],
        admin,
        auth: "off",
      });
      assert.match(text, /^Admin {7}_ {22}\[ disabled \]$/m, String(admin));
      assert.match(
        text,
        /^Mutual TLS {2}off {20}Client certificates are required but not verified$/m,
      );
      assert.match(text, /^Keystore {4}memory$/m);
    }
  });

  it("lists every interface for a wildcard listener, else the one address", () => {
    const ifaces = ["127.0.0.1", "192.168.1.2"];
    assert.deepEqual(listenEndpoints("0.0.0.0", 7373, ifaces), [
      "https://127.0.0.1:7373",
      "https://192.168.1.2:7373",
    ]);
    assert.deepEqual(listenEndpoints("", 1, ifaces), [
      "https://127.0.0.1:1",
      "https://192.168.1.2:1",
    ]);
    assert.deepEqual(listenEndpoints("127.0.0.1", 7373, ifaces), ["https://127.0.0.1:7373"]);
    assert.deepEqual(listenEndpoints("::1", 7373, ifaces), ["https://[::1]:7373"]);
  });
});
