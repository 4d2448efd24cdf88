/**
 * The example plug-in (examples/grpc-keystore) beyond the contract: its flags, its file on disk,
 * its lock, outages, health checks and TLS, each through the running process.
 */
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { createCertificateAuthority, issueCertificate } from "@kes/identity";
import { connectKeyStore } from "@kes/keystore-service";
import {
  EXAMPLE_DIR,
  EXAMPLE_HEALTH_CHECK,
  EXAMPLE_SERVER,
  runExampleScript,
  startExampleKeystore,
  stopAllExamples,
} from "./example-keystore.js";

const text = (s: string) => new TextEncoder().encode(s);

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "kes-plugin-example-"));
});

after(async () => {
  await stopAllExamples();
  await rm(dir, { recursive: true, force: true });
});

describe("example plug-in: flags", () => {
  const usageErrors: [string, string[], RegExp][] = [
    ["no store", [], /choose where values live: --memory or --file PATH/],
    ["both stores", ["--memory", "--file", "x.json"], /exactly one/],
    ["an unknown flag", ["--memory", "--verbose"], /Unknown option '--verbose'/],
    ["a port out of range", ["--memory", "--port", "65536"], /--port must be a whole number/],
    ["a port that is no number", ["--memory", "--port", "x"], /--port .*not "x"/],
    ["--cert without --key", ["--memory", "--cert", "c.pem"], /--cert and --key go together/],
    ["--ca without --cert", ["--memory", "--ca", "ca.pem"], /--ca .* needs --cert and --key/],
    ["an empty --file", ["--file", ""], /--file is empty/],
  ];
  for (const [label, args, message] of usageErrors) {
    it(`refuses ${label} with exit status 2 and the usage`, async () => {
      const result = await runExampleScript(EXAMPLE_SERVER, args);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, "", "nothing listened");
      assert.match(result.stderr, message);
      assert.match(result.stderr, /usage: node server\.mjs/);
    });
  }

  it("prints the usage for --help and exits 0", async () => {
    const result = await runExampleScript(EXAMPLE_SERVER, ["--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: node server\.mjs \(--memory \| --file PATH\)/);
  });

  it("names missing TLS files and a missing proto directory, and exits 1", async () => {
    const tls = await runExampleScript(EXAMPLE_SERVER, [
      "--memory",
      ...["--cert", join(dir, "nope.pem"), "--key", join(dir, "nope.key")],
    ]);
    assert.equal(tls.code, 1);
    assert.match(tls.stderr, /^server\.mjs: --cert \S+nope\.pem: cannot read the file: ENOENT\n$/);

    const protos = await runExampleScript(EXAMPLE_SERVER, ["--memory"], {
      env: { KES_PROTO_DIR: join(dir, "no-protos") },
    });
    assert.equal(protos.code, 1);
    assert.match(protos.stderr, /no-protos\/kes\/keystore\/v1\/keystore\.proto does not exist/);
    assert.match(protos.stderr, /--proto-dir \(or KES_PROTO_DIR\)/);
  });

  it("loads the protos from --proto-dir or KES_PROTO_DIR", async () => {
    const protos = join(dir, "protos-copy");
    await cp(join(EXAMPLE_DIR, "../../proto"), protos, { recursive: true });
    for (const how of [{ args: ["--proto-dir", protos] }, { env: { KES_PROTO_DIR: protos } }]) {
      const plugin = await startExampleKeystore(["--memory", ...(how.args ?? [])], {
        ...(how.env === undefined ? {} : { env: how.env }),
      });
      const store = connectKeyStore({ endpoint: plugin.endpoint, timeoutMs: 5_000 });
      await store.create("k", text("v"));
      assert.deepEqual(await store.get("k"), text("v"));
      await store.close();
      assert.deepEqual(await plugin.stop("SIGINT"), { code: 0, signal: null });
    }
  });
});

describe("example plug-in: the JSON file", () => {
  it("holds base64 values, mode 0600, leaves no temp file, and a lock only while running", async () => {
    const file = join(dir, "keys", "store.json");
    const plugin = await startExampleKeystore(["--file", file]);
    const store = connectKeyStore({ endpoint: plugin.endpoint, timeoutMs: 5_000 });
    await store.create("b-key", Uint8Array.of(0, 1, 255));
    await store.create("a-key", text("secret"));
    await store.create("gone", text("x"));
    await store.delete("gone");
    await store.close();
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), {
      format: "kes-example-keystore/v1",
      values: { "a-key": "c2VjcmV0", "b-key": "AAH/" },
    });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(join(dir, "keys"))).sort(), ["store.json", "store.json.lock"]);

    assert.deepEqual(await plugin.stop("SIGTERM"), { code: 0, signal: null });
    assert.deepEqual(await readdir(join(dir, "keys")), ["store.json"]);
  });

  it("refuses a second process on the same file, naming the first", async () => {
    const file = join(dir, "shared.json");
    const first = await startExampleKeystore(["--file", file]);
    const second = await runExampleScript(EXAMPLE_SERVER, ["--port", "0", "--file", file]);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(
        `in use by process ${first.process.child.pid} \\(lock file \\S+shared\\.json\\.lock\\)`,
      ),
    );
    assert.deepEqual(await first.stop(), { code: 0, signal: null });
  });

  it("takes over the lock of a process that is gone, and removes a crashed write's temp file", async () => {
    const file = join(dir, "crashed.json");
    await writeFile(file, JSON.stringify({ format: "kes-example-keystore/v1", values: {} }));
    // No process has pid 2^22 + 1: Linux pids stay below 2^22 (the largest pid_max).
    await writeFile(`${file}.lock`, "4194305\n");
    await writeFile(`${file}.tmp-1-deadbeef`, "half a write");
    const plugin = await startExampleKeystore(["--file", file]);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith("crashed.json")).sort(), [
      "crashed.json",
      "crashed.json.lock",
    ]);
    assert.deepEqual(await plugin.stop(), { code: 0, signal: null });
  });

  it("refuses to start on a damaged file without showing its content", async () => {
    const cases: [string, string, RegExp][] = [
      ["not JSON", '{"values": {"k": "c2VjcmV0"', /is not valid JSON\n$/],
      ["another format", '{"values": {}}', /is not a "kes-example-keystore\/v1" file\n$/],
      [
        "a bad name",
        '{"format": "kes-example-keystore/v1", "values": {"../x": "c2VjcmV0"}}',
        /has a bad entry with an invalid name\n$/,
      ],
      [
        "an empty value",
        '{"format": "kes-example-keystore/v1", "values": {"k": ""}}',
        /has a bad entry "k"\n$/,
      ],
    ];
    for (const [label, content, message] of cases) {
      const file = join(dir, "damaged.json");
      await writeFile(file, content);
      const result = await runExampleScript(EXAMPLE_SERVER, ["--port", "0", "--file", file]);
      assert.equal(result.code, 1, label);
      assert.match(result.stderr, message, label);
      assert.doesNotMatch(result.stderr, /c2VjcmV0/, `${label}: a value was shown`);
      assert.equal(result.stdout, "", `${label}: nothing listened`);
    }
  });

  it("answers UNAVAILABLE and reports unreachable when its directory is gone", async () => {
    const sub = join(dir, "vanishing");
    await mkdir(sub);
    const plugin = await startExampleKeystore(["--file", join(sub, "keys.json")]);
    const store = connectKeyStore({ endpoint: plugin.endpoint, timeoutMs: 5_000 });
    await store.create("before", text("v"));
    await rm(sub, { recursive: true });

    await assert.rejects(store.create("after", text("v")), (err: unknown) => {
      assert.ok(isKesError(err, "keystore_failure"), String(err));
      assert.match(err.message, /create: UNAVAILABLE: cannot write the keystore file: ENOENT/);
      return true;
    });
    const status = await store.status();
    assert.equal(status.reachable, false);
    assert.match(status.detail ?? "", /cannot write to \S+vanishing: ENOENT/);
    const health = await runExampleScript(EXAMPLE_HEALTH_CHECK, [
      "--addr",
      `127.0.0.1:${plugin.port}`,
    ]);
    assert.deepEqual([health.code, health.stdout], [1, "NOT_SERVING\n"]);
    await store.close();
    assert.deepEqual(await plugin.stop(), { code: 0, signal: null });
  });
});

describe("example plug-in: health checks", () => {
  it("is SERVING for the server and the keystore service, and knows no other service", async () => {
    const plugin = await startExampleKeystore(["--memory"]);
    const addr = ["--addr", `127.0.0.1:${plugin.port}`];
    for (const service of [[], ["--service", "kes.keystore.v1.KeyStoreService"]]) {
      const result = await runExampleScript(EXAMPLE_HEALTH_CHECK, [...addr, ...service]);
      assert.deepEqual([result.code, result.stdout], [0, "SERVING\n"], result.stderr);
    }
    const other = await runExampleScript(EXAMPLE_HEALTH_CHECK, [...addr, "--service", "x.Y"]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /unknown service/);
    await plugin.stop();
  });

  it("fails within its deadline when nothing listens", async () => {
    const plugin = await startExampleKeystore(["--memory"]);
    await plugin.stop();
    const result = await runExampleScript(EXAMPLE_HEALTH_CHECK, [
      ...["--addr", `127.0.0.1:${plugin.port}`, "--timeout-ms", "2000"],
    ]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      new RegExp(`^health-check\\.mjs: 127\\.0\\.0\\.1:${plugin.port}: `),
    );
  });
});

describe("example plug-in: mutual TLS", () => {
  it("serves clients with a certificate from its CA, and no others", async () => {
    const ca = await createCertificateAuthority({ subject: "plug-in CA" });
    const other = await createCertificateAuthority({ subject: "someone else's CA" });
    const server = await issueCertificate(ca, { subject: "p", ip: ["127.0.0.1"], usage: "server" });
    const client = await issueCertificate(ca, { subject: "kes", usage: "client" });
    const stranger = await issueCertificate(other, { subject: "kes", usage: "client" });
    const pem = async (name: string, content: string) => {
      await writeFile(join(dir, name), content, { mode: 0o600 });
      return join(dir, name);
    };
    const files = {
      ca: await pem("mtls-ca.pem", ca.certPem),
      cert: await pem("mtls-server.pem", server.certPem),
      key: await pem("mtls-server.key", server.keyPem),
      clientCert: await pem("mtls-client.pem", client.certPem),
      clientKey: await pem("mtls-client.key", client.keyPem),
    };
    const plugin = await startExampleKeystore([
      ...["--memory", "--cert", files.cert, "--key", files.key, "--ca", files.ca],
    ]);
    assert.match(plugin.process.stderr, /on 127\.0\.0\.1:\d+ \(mutual TLS\)/);

    const known = connectKeyStore({
      endpoint: plugin.endpoint,
      tls: { ca: files.ca, cert: client.certPem, key: client.keyPem },
      timeoutMs: 5_000,
    });
    await known.create("k", text("v"));
    assert.deepEqual(await known.get("k"), text("v"));
    await known.close();

    for (const [label, tls] of [
      ["no client certificate", { ca: files.ca }],
      [
        "a certificate from another CA",
        { ca: files.ca, cert: stranger.certPem, key: stranger.keyPem },
      ],
    ] as const) {
      const refused = connectKeyStore({ endpoint: plugin.endpoint, tls, timeoutMs: 5_000 });
      await assert.rejects(
        refused.get("k"),
        (err: unknown) => isKesError(err, "keystore_failure"),
        label,
      );
      assert.equal((await refused.status()).reachable, false, label);
      await refused.close();
    }

    const health = await runExampleScript(EXAMPLE_HEALTH_CHECK, [
      ...["--addr", `127.0.0.1:${plugin.port}`, "--ca", files.ca],
      ...["--cert", files.clientCert, "--key", files.clientKey],
    ]);
    assert.deepEqual([health.code, health.stdout], [0, "SERVING\n"], health.stderr);
    const plain = await runExampleScript(EXAMPLE_HEALTH_CHECK, [
      ...["--addr", `127.0.0.1:${plugin.port}`, "--timeout-ms", "3000"],
    ]);
    assert.equal(plain.code, 1, "a plaintext client is refused");
    assert.deepEqual(await plugin.stop(), { code: 0, signal: null });
  });
});

describe("example plug-in: shutdown", () => {
  it("finishes the calls in flight on SIGTERM, then exits 0 with every write on disk", async () => {
    const file = join(dir, "shutdown.json");
    const plugin = await startExampleKeystore(["--file", file]);
    const store = connectKeyStore({ endpoint: plugin.endpoint, timeoutMs: 20_000 });
    await store.list({ prefix: "" }); // connected before the writes start
    // Each create rewrites the whole file, so 20 of 512 KiB take a while: SIGTERM comes mid-way.
    const names = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    const writes = Promise.allSettled(
      names.map((n) => store.create(n, new Uint8Array(512 * 1024).fill(n.charCodeAt(2)))),
    );
    await new Promise((r) => setTimeout(r, 50));
    const stopped = plugin.stop("SIGTERM");
    const results = await writes;
    assert.deepEqual(
      results.map((r) => (r.status === "fulfilled" ? "ok" : String(r.reason))),
      names.map(() => "ok"),
    );
    assert.deepEqual(await stopped, { code: 0, signal: null });
    assert.doesNotMatch(plugin.process.stderr, /cancelling/);
    await store.close();
    const saved = JSON.parse(await readFile(file, "utf8")) as { values: Record<string, string> };
    assert.deepEqual(Object.keys(saved.values), names);
  });
});
