// A gateway's crypto client over one name that resolves to several crypto processes (docker
// compose's `--scale crypto=N`): real crypto services on 127.0.0.1, .2, .3 (Linux routes all of
// 127.0.0.0/8 to loopback) on one port, and a lookup the test controls.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CryptoApi, DataKey } from "@kes/core";
import { createCryptoService } from "../crypto-service.js";
import { captureLogger, kesError } from "../testing/fixtures.js";
import { MapKeyStore } from "../testing/map-keystore.js";
import { cryptoAddresses, cryptoHost } from "./addresses.js";
import { connectCrypto } from "./client.js";
import { UNREACHABLE } from "./pool.js";
import { hasOpenssl, makeRolePki, type RolePki } from "./role-pki.js";
import { type CryptoServer, type ServeCryptoOptions, serveCrypto } from "./server.js";

const context = Buffer.from("ctx");
const REFRESH_MS = 100;

/** A crypto process: a real crypto service over the shared keystore, counting its calls. */
interface Process {
  readonly ip: string;
  readonly server: CryptoServer;
  readonly served: { generate: number; decrypt: number };
  /** When set, the next generate waits for it (and `entered` resolves). */
  hold: { release: Promise<void>; entered: () => void } | undefined;
}

async function serveProcess(
  ip: string,
  port: number,
  keystore: MapKeyStore,
  options: ServeCryptoOptions = {},
): Promise<Process> {
  const service = createCryptoService({ keystore });
  const served = { generate: 0, decrypt: 0 };
  const proc: { hold: Process["hold"] } = { hold: undefined };
  const api: CryptoApi = {
    createKey: (...a) => service.createKey(...a),
    importKey: (...a) => service.importKey(...a),
    describeKey: (...a) => service.describeKey(...a),
    deleteKey: (...a) => service.deleteKey(...a),
    listKeys: (...a) => service.listKeys(...a),
    async generate(...a) {
      served.generate++;
      const hold = proc.hold;
      if (hold !== undefined) {
        proc.hold = undefined;
        hold.entered();
        await hold.release;
      }
      return service.generate(...a);
    },
    encrypt: (...a) => service.encrypt(...a),
    decrypt(...a) {
      served.decrypt++;
      return service.decrypt(...a);
    },
    bulkDecrypt: (...a) => service.bulkDecrypt(...a),
    hmac: (...a) => service.hmac(...a),
    keyStoreStatus: (...a) => service.keyStoreStatus(...a),
    close: () => service.close(),
  };
  const server = await serveCrypto(api, { ...options, host: ip, port });
  return Object.assign(proc, { ip, server, served });
}

/** `n` processes on 127.0.0.1, .2, ... sharing one port (found by the first bind). */
async function processesOnOnePort(
  n: number,
  keystore: MapKeyStore,
  options: ServeCryptoOptions = {},
): Promise<Process[]> {
  for (let attempt = 0; ; attempt++) {
    const first = await serveProcess("127.0.0.1", 0, keystore, options);
    const all = [first];
    try {
      for (let i = 2; i <= n; i++) {
        all.push(await serveProcess(`127.0.0.${i}`, first.server.port, keystore, options));
      }
      return all;
    } catch (err) {
      await Promise.all(all.map((p) => p.server.close(0)));
      if (attempt === 4) throw err; // the port was taken on another loopback address
    }
  }
}

/** A resolver the test edits: unknown names fail as getaddrinfo's ENOTFOUND does. */
function fakeDns() {
  const table = new Map<string, string[]>();
  let lookups = 0;
  return {
    table,
    get lookups() {
      return lookups;
    },
    lookup: async (hostname: string) => {
      lookups++;
      const ips = table.get(hostname);
      if (ips === undefined) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      }
      return ips;
    },
  };
}

type LogLine = Record<string, unknown> & { msg: string; level: number };

function lines(text: string): LogLine[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as LogLine);
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Calls `call` one at a time until `ok` (at most `ms`). */
async function callUntil(what: string, ok: () => boolean, call: () => Promise<unknown>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await call();
  }
}

/** The "resolved" log lines' target lists, in order. */
function resolutions(text: string): string[][] {
  return lines(text)
    .filter((l) => l.msg === "crypto service address resolved")
    .map((l) => l["targets"] as string[]);
}

describe("crypto addresses", () => {
  test("host:port entries: names, IPv4, bracketed IPv6; anything else is refused", () => {
    assert.deepEqual(cryptoHost("crypto:7002"), { host: "crypto", port: 7002 });
    assert.deepEqual(cryptoHost("10.0.0.5:7002"), { host: "10.0.0.5", port: 7002 });
    assert.deepEqual(cryptoHost("[::1]:7002"), { host: "::1", port: 7002 });
    for (const bad of ["crypto", "crypto:", "crypto:0", "crypto:70000", "[crypto]:1", "a b:1"]) {
      assert.throws(() => cryptoHost(bad), kesError("invalid_argument"), bad);
    }
    assert.throws(
      () => cryptoAddresses("crypto:7002,https://crypto:7002"),
      kesError(
        "invalid_argument",
        "invalid argument: crypto service address 'https://crypto:7002' is not host:port (e.g. crypto:7002)",
      ),
    );
  });
});

describe("one name, several crypto processes", () => {
  const keystore = new MapKeyStore();
  let procs: Process[];
  let address: string;

  before(async () => {
    procs = await processesOnOnePort(4, keystore);
    address = `crypto.test:${procs[0]?.server.port}`;
    // A key for all of them (the keystore is shared, as in the split deployment).
    const setup = connectCrypto({ address: procs[0]?.server.address as string });
    await setup.createKey("k", "me");
    await setup.close();
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.server.close(0)));
  });

  const target = (p: Process) => `${p.ip}:${p.server.port}`;
  /** A client of `crypto.test`, which resolves to `ips` until the test changes it. */
  const clientOf = (ips: string[]) => {
    for (const p of procs) {
      p.served.generate = 0;
      p.served.decrypt = 0;
    }
    const dns = fakeDns();
    if (ips.length > 0) dns.table.set("crypto.test", ips);
    const log = captureLogger();
    const client = connectCrypto({
      address,
      lookup: dns.lookup,
      refreshMs: REFRESH_MS,
      timeoutMs: 5000,
      logger: log.logger,
    });
    return { dns, log, client };
  };

  test("generate and decrypt are served by every process the name resolves to", async () => {
    const [a, b] = procs as [Process, Process];
    const { log, client } = clientOf([a.ip, b.ip]);
    const sessionCallsBefore = [a.server.sessionCalls, b.server.sessionCalls];
    try {
      for (let i = 0; i < 20; i++) {
        const key = await client.generate("k", context);
        const plaintext = await client.decrypt("k", key.ciphertext, context);
        assert.deepEqual(Buffer.from(plaintext), Buffer.from(key.plaintext));
      }
      // And many at once, as a busy gateway sends them.
      const keys = await Promise.all(
        Array.from({ length: 50 }, () => client.generate("k", context)),
      );
      await Promise.all(keys.map((key) => client.decrypt("k", key.ciphertext, context)));
      for (const p of [a, b]) {
        assert.ok(
          p.served.generate > 0 && p.served.decrypt > 0,
          `${p.ip}: ${JSON.stringify(p.served)}`,
        );
      }
      assert.equal(a.served.generate + b.served.generate, 70);
      assert.equal(a.served.decrypt + b.served.decrypt, 70);
      // Over their Session streams, one per process, not unary calls.
      assert.ok(a.server.sessionCalls > (sessionCallsBefore[0] as number));
      assert.ok(b.server.sessionCalls > (sessionCallsBefore[1] as number));
      assert.deepEqual(resolutions(log.text())[0], [target(a), target(b)]);
    } finally {
      await client.close();
    }
  });

  test("an address added later gets calls after the next lookup; a removed one gets none, and its call in flight completes", async () => {
    const [a, b, c] = procs as [Process, Process, Process];
    const { dns, log, client } = clientOf([a.ip, b.ip]);
    try {
      for (let i = 0; i < 10; i++) await client.generate("k", context);
      assert.equal(c.served.generate, 0);

      // "docker compose up --scale crypto=3": the name gets a third address.
      dns.table.set("crypto.test", [a.ip, b.ip, c.ip]);
      await until("the third address is resolved", () => resolutions(log.text()).length === 2);
      assert.deepEqual(resolutions(log.text())[1], [target(a), target(b), target(c)]);
      await callUntil(
        "the added process serves calls",
        () => c.served.generate > 0,
        () => client.generate("k", context),
      );

      // A call in flight on b, then b's address goes away.
      let entered: () => void = () => {};
      const onB = new Promise<void>((r) => {
        entered = r;
      });
      let release: () => void = () => {};
      b.hold = { release: new Promise<void>((r) => (release = r)), entered };
      let inFlight: Promise<DataKey> | undefined;
      await callUntil(
        "a call reaches b",
        () => inFlight !== undefined,
        async () => {
          const call = client.generate("k", context);
          const where = await Promise.race([call.then(() => "answered"), onB.then(() => "held")]);
          if (where === "held") inFlight = call;
        },
      );
      assert.ok(inFlight !== undefined);
      dns.table.set("crypto.test", [a.ip, c.ip]);
      await until("b's address is gone", () => resolutions(log.text()).length === 3);
      assert.deepEqual(resolutions(log.text())[2], [target(a), target(c)]);

      const bServed = b.served.generate;
      for (let i = 0; i < 20; i++) await client.generate("k", context);
      assert.equal(b.served.generate, bServed, "no new call went to the removed address");

      release();
      assert.equal((await inFlight).plaintext.length, 32, "the call in flight was answered");
      await until("b's channel is closed once its call is answered", () =>
        lines(log.text()).some(
          (l) => l.msg.startsWith("closed the channel") && l["target"] === target(b),
        ),
      );
    } finally {
      await client.close();
    }
  });

  test("an address where nothing answers is passed over", async () => {
    const [a, b, , dead] = procs as [Process, Process, Process, Process];
    await dead.server.close(0);
    const { client } = clientOf([dead.ip, a.ip, b.ip]);
    try {
      for (let i = 0; i < 30; i++) {
        const key = await client.generate("k", context);
        await client.decrypt("k", key.ciphertext, context);
      }
      // Generate and decrypt alternate, and so do a and b: count both.
      const total = (p: Process) => p.served.generate + p.served.decrypt;
      assert.equal(total(a) + total(b), 60);
      assert.ok(total(a) > 0 && total(b) > 0, JSON.stringify([a.served, b.served]));
    } finally {
      await client.close();
    }
  });

  test("a name that does not resolve: 503 until it does, one warn line; a failed lookup later keeps the channels", async () => {
    const [a] = procs as [Process];
    const { dns, log, client } = clientOf([]);
    const warnings = () => lines(log.text()).filter((l) => l.level === 40);
    try {
      await assert.rejects(
        client.generate("k", context),
        kesError("service_unavailable", UNREACHABLE),
      );
      await assert.rejects(client.keyStoreStatus(), kesError("service_unavailable", UNREACHABLE));
      await until("three more lookups", () => dns.lookups >= 4);
      const [warning, ...more] = warnings();
      assert.deepEqual(more, [], "one warn line while the name stays unresolvable");
      assert.equal(
        warning?.msg,
        "cannot resolve the crypto service address: keeping its current channels",
      );
      assert.equal(warning?.["reason"], "getaddrinfo ENOTFOUND crypto.test");
      assert.equal(warning?.["address"], address);
      assert.ok(!log.text().includes("stack"), "no stack trace");

      dns.table.set("crypto.test", [a.ip]);
      await until("the name resolves", () => resolutions(log.text()).length === 1);
      assert.equal((await client.generate("k", context)).plaintext.length, 32);

      dns.table.delete("crypto.test");
      await until("a second warn line", () => warnings().length === 2);
      for (let i = 0; i < 5; i++) assert.equal((await client.keyStoreStatus()).reachable, true);
    } finally {
      await client.close();
    }
  });
});

describe("one name, several crypto processes, over mutual TLS", {
  skip: !hasOpenssl() && "no openssl",
}, () => {
  let pki: RolePki;
  const keystore = new MapKeyStore();
  let procs: Process[];

  before(async () => {
    pki = makeRolePki();
    // Their certificates name "crypto", "localhost" and 127.0.0.1: not 127.0.0.2.
    procs = await processesOnOnePort(2, keystore, {
      tls: { ...pki.crypto, ca: pki.ca },
      allowedPeers: ["gateway"],
    });
  });
  after(async () => {
    await Promise.all((procs ?? []).map((p) => p.server.close(0)));
    pki?.cleanup();
  });

  /** A gateway's client of `crypto:<port>`, which resolves to `ips`. */
  const gatewayOf = (ips: string[]) => {
    const dns = fakeDns();
    dns.table.set("crypto", ips);
    return connectCrypto({
      address: `crypto:${procs[0]?.server.port}`,
      tls: { ...pki.gateway, ca: pki.ca },
      serverRole: "crypto",
      lookup: dns.lookup,
      timeoutMs: 5000,
    });
  };

  test("each address is dialled with the configured name as the TLS server name", async () => {
    const [a, b] = procs as [Process, Process];
    const client = gatewayOf([a.ip, b.ip]);
    try {
      await client.createKey("k", "me");
      await callUntil(
        "both processes serve calls",
        () => a.served.generate > 0 && b.served.generate > 0,
        () => client.generate("k", context),
      );
    } finally {
      await client.close();
    }
  });

  test("the server's certificate is still checked against the name and the role", async () => {
    const [a] = procs as [Process];
    const impostor = await serveProcess("127.0.0.3", a.server.port, keystore, {
      tls: { ...pki.keystore, ca: pki.ca },
    });
    const client = gatewayOf([impostor.ip]);
    try {
      await assert.rejects(
        client.generate("k", context),
        kesError("service_unavailable", UNREACHABLE),
      );
      assert.equal(impostor.server.calls, 0);
    } finally {
      await client.close();
      await impostor.server.close(0);
    }
  });
});
