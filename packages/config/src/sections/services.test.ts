import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../parse.js";
import { expectError, minimal, parse } from "../test-helpers.js";
import { SERVICES_DEFAULTS } from "./services.js";

const withServices = (block: string) => minimal(`services:\n${block}`);

describe("services (the split deployment)", () => {
  it("is absent unless written, so kes server configs are unchanged", () => {
    assert.equal(parse(minimal()).services, undefined);
  });

  it("the design's block: ${VAR} TLS paths, listen and address per service", () => {
    const text = withServices(
      [
        "  tls:",
        "    ca:   ${KES_INTERNAL_CA}",
        "    cert: ${KES_INTERNAL_CERT}",
        "    key:  ${KES_INTERNAL_KEY}",
        "  crypto:",
        "    listen:  0.0.0.0:7002",
        "    address: crypto:7002",
        "  keystore:",
        "    listen:  0.0.0.0:7003",
        "    address: keystore:7003",
        "",
      ].join("\n"),
    );
    const config = parseConfig(text, {
      file: "/etc/kes/config.yml",
      env: { KES_INTERNAL_CA: "certs/ca.crt", KES_INTERNAL_CERT: "/c.crt", KES_INTERNAL_KEY: "k" },
    });
    assert.deepEqual(config.services, {
      tls: { ca: "/etc/kes/certs/ca.crt", cert: "/c.crt", key: "/etc/kes/k" },
      crypto: { listen: "0.0.0.0:7002", address: ["crypto:7002"] },
      keystore: { listen: "0.0.0.0:7003", address: ["keystore:7003"] },
    });
  });

  it("several crypto addresses: a comma-separated string or a list", () => {
    const csv = parse(withServices("  crypto:\n    address: crypto-1:7002, 10.0.0.2:7002\n"));
    assert.deepEqual(csv.services?.crypto.address, ["crypto-1:7002", "10.0.0.2:7002"]);
    const list = parse(withServices("  crypto:\n    address:\n    - a:1\n    - '[::1]:2'\n"));
    assert.deepEqual(list.services?.crypto.address, ["a:1", "[::1]:2"]);
  });

  it("defaults: loopback ports 7002/7003; the address follows listen", () => {
    const empty = parse(withServices("  crypto: {}\n"));
    assert.deepEqual(empty.services, SERVICES_DEFAULTS);
    assert.equal(empty.services?.tls, undefined);
    const wild = parse(
      withServices("  crypto:\n    listen: 0.0.0.0:9002\n  keystore:\n    listen: ':9003'\n"),
    );
    assert.deepEqual(wild.services?.crypto, {
      listen: "0.0.0.0:9002",
      address: ["127.0.0.1:9002"],
    });
    assert.deepEqual(wild.services?.keystore, { listen: ":9003", address: ["127.0.0.1:9003"] });
    const v6 = parse(withServices("  crypto:\n    listen: '[::]:9002'\n"));
    assert.deepEqual(v6.services?.crypto.address, ["[::1]:9002"]);
    const host = parse(withServices("  crypto:\n    listen: crypto.internal:9002\n"));
    assert.deepEqual(host.services?.crypto.address, ["crypto.internal:9002"]);
  });

  it("tls needs all of ca, cert and key", () => {
    expectError(
      withServices("  tls:\n    ca: ca.crt\n    cert: c.crt\n"),
      "server-config.yml:7: services.tls.key: missing: this service's private key (services.tls.key) is required",
    );
    expectError(
      withServices("  tls:\n    ca: ${NOPE}\n    cert: c\n    key: k\n"),
      "server-config.yml:8: services.tls.ca: environment variable NOPE is not set",
    );
  });

  it("bad addresses are refused with the path and line", () => {
    expectError(
      withServices("  crypto:\n    listen: 7002\n"),
      "server-config.yml:8: services.crypto.listen: '7002' is not a host:port address, e.g. 0.0.0.0:7002",
    );
    expectError(
      withServices("  crypto:\n    address: https://crypto:7002\n"),
      "server-config.yml:8: services.crypto.address: 'https://crypto:7002' is not a host:port address, e.g. crypto:7002",
    );
    expectError(
      withServices("  crypto:\n    address: ':7002'\n"),
      "server-config.yml:8: services.crypto.address: ':7002' is not a host:port address, e.g. crypto:7002",
    );
    expectError(
      withServices("  crypto:\n    address: a:1,,b:2\n"),
      "server-config.yml:8: services.crypto.address: 'a:1,,b:2' has an empty entry",
    );
    expectError(
      withServices("  crypto:\n    address:\n    - a:1\n    - a:99999\n"),
      "server-config.yml:10: services.crypto.address[1]: 'a:99999' is not a host:port address, e.g. crypto:7002",
    );
    expectError(
      withServices("  crypto:\n    address: a:1, a:1\n"),
      "server-config.yml:8: services.crypto.address: 'a:1' is listed twice",
    );
    expectError(
      withServices("  crypto:\n    address: a:0\n"),
      "server-config.yml:8: services.crypto.address: 'a:0': clients cannot dial port 0",
    );
    expectError(
      withServices("  keystore:\n    address: a:1,b:1\n"),
      "server-config.yml:8: services.keystore.address: the keystore service has exactly one address; to run several, put them behind one name",
    );
    expectError(
      withServices("  crypto:\n    listen: 127.0.0.1:0\n"),
      "server-config.yml:7: services.crypto.address: missing: services.crypto.listen uses port 0, so clients need the real address here",
    );
  });

  it("unknown keys get a did-you-mean", () => {
    expectError(
      withServices("  crypto:\n    adress: a:1\n"),
      "server-config.yml:8: services.crypto.adress: unknown key; did you mean 'address'? (allowed here: listen, address)",
    );
    expectError(
      withServices("  gateway: {}\n"),
      "server-config.yml:7: services.gateway: unknown key (allowed here: tls, crypto, keystore)",
    );
  });
});
