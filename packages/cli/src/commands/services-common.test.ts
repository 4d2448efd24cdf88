import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "@kes/core";
import { CliError } from "../errors.js";
import { fakeIo } from "../testing/fake-io.js";
import {
  bannerLine,
  internalTlsLine,
  listenError,
  SIGNAL_DEBOUNCE_MS,
  type SignalHost,
  setUpService,
  splitListen,
  untilSignal,
} from "./services-common.js";
import { internalCertFiles, internalCerts } from "./tool-certs.js";

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
  let ca: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-cli-services-"));
    // The files only need to be there and look like PEM: nothing here starts a server.
    await mkdir(join(dir, "certs"));
    const pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    for (const name of ["server.key", "server.cert", "certs/crypto.crt", "certs/crypto.key"]) {
      await file(name, pem);
    }
    ca = await file("ca.crt", pem);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads services.tls (with a variable) and the addresses", async () => {
    const config = await file("ok.yml", BASE + SERVICES);
    const setup = await setUpService("crypto", { config }, fakeIo({ CA: ca }));
    assert.deepEqual(setup.tls, {
      ca,
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
    const io = fakeIo({ CA: "/nowhere/ca.crt" });
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

  it("a TLS file a service reads is checked at once, with file:line: key", async () => {
    const config = await file("files.yml", BASE + SERVICES);
    const missing = join(dir, "nowhere", "ca.crt");
    await assert.rejects(setUpService("crypto", { config }, fakeIo({ CA: missing })), {
      name: "CliError",
      message: `${config}:8: services.tls.ca: cannot read the file ${missing}: no such file or directory`,
    });
    // The gateway reads tls.* too; the crypto service does not.
    const noCert = await file("no-cert.yml", BASE.replace("server.cert", "gone.cert") + SERVICES);
    await setUpService("crypto", { config: noCert }, fakeIo({ CA: ca }));
    await assert.rejects(setUpService("gateway", { config: noCert }, fakeIo({ CA: ca })), {
      message: `${noCert}:5: tls.cert: cannot read the file ${join(dir, "gone.cert")}: no such file or directory`,
    });
    // --insecure-internal does not read services.tls (the test above), but still tls.*.
    await assert.rejects(
      setUpService("gateway", { config: noCert, insecureInternal: true }, fakeIo({ CA: ca })),
      { message: /^.*no-cert\.yml:5: tls\.cert: cannot read the file / },
    );
  });

  it("a service started with another service's certificate is refused at startup", async () => {
    const out = join(dir, "internal");
    await internalCerts({ out, dns: [], ip: [], expiry: "24h", force: false }, fakeIo({}));
    const files = internalCertFiles(out);
    const config = await file(
      "roles.yml",
      `${BASE}services:\n  tls:\n    ca: ${files.ca.certFile}\n    cert: \${CERT}\n    key: \${KEY}\n`,
    );
    const io = (role: "gateway" | "crypto" | "keystore" | "ca") =>
      fakeIo({ CERT: files[role].certFile, KEY: files[role].keyFile });
    await setUpService("crypto", { config }, io("crypto"));
    await assert.rejects(setUpService("crypto", { config }, io("keystore")), {
      name: "CliError",
      message:
        `${config}: services.tls.cert: ${files.keystore.certFile} is the keystore service's ` +
        "certificate; kes crypto needs its own, with the subject CN=crypto " +
        "(kes tool certs internal makes one for each service)",
    });
    await assert.rejects(setUpService("keystore", { config }, io("ca")), {
      message:
        /ca\.crt is a certificate without a service role \(subject CN=kes internal CA\); kes keystore needs its own/,
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

describe("shutdown signals", () => {
  /** A process stand-in: signals are emitted by the test, time is set by it, exits recorded. */
  function fakeHost() {
    const emitter = new EventEmitter();
    const exits: number[] = [];
    let clock = 1_000;
    const host: SignalHost = {
      on: (signal, listener) => emitter.on(signal, listener),
      off: (signal, listener) => emitter.off(signal, listener),
      exit: (code) => {
        exits.push(code);
      },
      now: () => clock,
    };
    return {
      host,
      exits,
      signal: (name: NodeJS.Signals) => emitter.emit(name, name),
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it("the same Ctrl-C delivered twice (terminal + pnpm) does not force an exit", async () => {
    const fake = fakeHost();
    const stopping = untilSignal(silentLogger(), fake.host);
    fake.signal("SIGINT");
    assert.equal(await stopping, "SIGINT");
    fake.advance(5);
    fake.signal("SIGINT");
    fake.advance(SIGNAL_DEBOUNCE_MS - 10);
    fake.signal("SIGTERM");
    assert.deepEqual(fake.exits, [], "a repeat within the debounce window is ignored");
  });

  it("a deliberate second Ctrl-C later exits at once with status 1", async () => {
    const fake = fakeHost();
    const stopping = untilSignal(silentLogger(), fake.host);
    fake.signal("SIGTERM");
    assert.equal(await stopping, "SIGTERM");
    fake.advance(SIGNAL_DEBOUNCE_MS + 1);
    fake.signal("SIGINT");
    assert.deepEqual(fake.exits, [1]);
  });
});
