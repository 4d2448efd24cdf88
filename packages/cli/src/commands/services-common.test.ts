import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CliError } from "../errors.js";
import { fakeIo } from "../testing/fake-io.js";
import {
  bannerLine,
  internalTlsLine,
  listenError,
  setUpService,
  splitListen,
} from "./services-common.js";

const BASE = "admin:\n  identity: disabled\ntls:\n  key: server.key\n  cert: server.cert\n";
const SERVICES = `services:
  tls:
    ca: \${CA}
    cert: certs/crypto.crt
    key: certs/crypto.key
  crypto:
    listen: 0.0.0.0:7102
`;

describe("split services: config and internal TLS", () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    return writeFile(path, text).then(() => path);
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-cli-services-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads services.tls (with a variable) and the addresses", async () => {
    const config = await file("ok.yml", BASE + SERVICES);
    const setup = await setUpService("crypto", { config }, fakeIo({ CA: "/pki/ca.crt" }));
    assert.deepEqual(setup.tls, {
      ca: "/pki/ca.crt",
      cert: join(dir, "certs/crypto.crt"),
      key: join(dir, "certs/crypto.key"),
    });
    assert.equal(setup.services.crypto.listen, "0.0.0.0:7102");
    assert.deepEqual(setup.services.crypto.address, ["127.0.0.1:7102"]);
    assert.deepEqual(setup.services.keystore.address, ["127.0.0.1:7003"]);
  });

  it("refuses to start without services.tls, naming the way out", async () => {
    const config = await file("plain.yml", BASE);
    await assert.rejects(setUpService("keystore", { config }, fakeIo({})), {
      name: "CliError",
      message:
        `${config}: services.tls: missing: kes keystore needs the internal CA and its own ` +
        "certificate and key (services.tls.ca, .cert, .key; kes tool certs internal makes them), " +
        "or --insecure-internal for local debugging",
    });
  });

  it("--insecure-internal runs without TLS, loudly, even when services.tls is set", async () => {
    const config = await file("insecure.yml", BASE + SERVICES);
    const io = fakeIo({ CA: "/pki/ca.crt" });
    const setup = await setUpService("gateway", { config, insecureInternal: true }, io);
    assert.equal(setup.tls, undefined);
    assert.match(io.err(), /^WARNING: --insecure-internal: internal gRPC WITHOUT TLS\./);
    assert.match(internalTlsLine(setup.tls, ""), /^Internal {4}plaintext/);
  });

  it("config errors keep their file:line: path: message; no --config is an error", async () => {
    const config = await file("bad.yml", `${BASE}services:\n  crypto:\n    listen: nowhere\n`);
    await assert.rejects(setUpService("crypto", { config }, fakeIo({})), {
      name: "CliError",
      message: `${config}:8: services.crypto.listen: 'nowhere' is not a host:port address, e.g. 0.0.0.0:7002`,
    });
    await assert.rejects(setUpService("crypto", {}, fakeIo({})), {
      message: "no config file: use kes crypto --config <file>",
    });
  });

  it("listen addresses and listen failures", () => {
    assert.deepEqual(splitListen("0.0.0.0:7002"), { host: "0.0.0.0", port: 7002 });
    assert.deepEqual(splitListen(":7002"), { host: "0.0.0.0", port: 7002 });
    assert.deepEqual(splitListen("[::1]:0"), { host: "::1", port: 0 });
    const inUse = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
    assert.deepEqual(
      listenError(inUse, "0.0.0.0:7002"),
      new CliError("cannot listen on 0.0.0.0:7002: the address is already in use"),
    );
    // grpc-js puts the cause into its message only.
    const grpc = new Error("No address added out of total 1 resolved: bind EADDRINUSE");
    assert.equal(
      (listenError(grpc, "a:1") as Error).message,
      "cannot listen on a:1: the address is already in use",
    );
    const other = new Error("something else");
    assert.equal(listenError(other, "a:1"), other);
    assert.equal(bannerLine("Service", "crypto"), "Service     crypto\n");
  });
});
