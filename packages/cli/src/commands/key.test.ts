import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { closedPort, type Handler, startTestServer, type TestServer } from "@kes/client/testing";
import {
  type CertificateMaterial,
  createSelfSignedCertificate,
  generateApiKey,
  identityOfCertificate,
} from "@kes/identity";
import { Command } from "commander";
import { CliError } from "../errors.js";
import { type FakeIo, fakeIo } from "../testing/fake-io.js";
import { register } from "./key.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const json = (value: unknown, status = 200) => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

/** Just enough of KES's key API for the CLI: an in-memory set of key names. */
function fakeKes(): Handler {
  const keys = new Set<string>();
  return (req) => {
    const [, , , op, arg = ""] = req.path.split("/");
    const name = decodeURIComponent(arg);
    switch (op) {
      case "create":
        if (keys.has(name)) return json({ message: "key already exists" }, 400);
        keys.add(name);
        return { status: 200 };
      case "describe":
        if (!keys.has(name)) return json({ message: "key does not exist" }, 404);
        return json({
          name,
          id: "66687aadf862bd776c8fc18b8e9f8e20",
          algorithm: "AES256-GCM_SHA256",
          created_at: "2023-02-15T14:54:37.123Z",
          created_by: "ab".repeat(32),
        });
      case "list":
        return {
          headers: { "content-type": "application/x-ndjson" },
          body: [...keys]
            .reverse()
            .map((k) => `${JSON.stringify({ name: k })}\n`)
            .join(""),
        };
      case "delete":
        keys.delete(name);
        return { status: 200 };
      case "encrypt": {
        const { plaintext } = JSON.parse(req.body) as { plaintext: string };
        return json({ ciphertext: b64(`sealed:${Buffer.from(plaintext, "base64")}`) });
      }
      case "decrypt": {
        const { ciphertext, context } = JSON.parse(req.body) as {
          ciphertext: string;
          context?: string;
        };
        const text = Buffer.from(ciphertext, "base64")
          .toString()
          .replace(/^sealed:/, "");
        return json({
          plaintext: b64(
            context === undefined ? text : `${text}|${Buffer.from(context, "base64")}`,
          ),
        });
      }
      case "generate":
        return json({ plaintext: b64("dek"), ciphertext: b64("sealed:dek") });
      default:
        return { status: 501, body: "not implemented\n" };
    }
  };
}

let serverCert: CertificateMaterial;
let server: TestServer;
let tmp: string;

before(async () => {
  serverCert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    usage: "server",
  });
  server = await startTestServer(fakeKes(), {
    certPem: serverCert.certPem,
    keyPem: serverCert.keyPem,
  });
  tmp = await mkdtemp(join(tmpdir(), "kes-cli-key-"));
});

after(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

function apiKeyEnv(): Record<string, string> {
  return { KES_SERVER: server.endpoint, KES_API_KEY: generateApiKey().apiKey };
}

/** Runs `kes <args>` in-process; resolves with the io (output), rejects like the CLI would fail. */
async function kes(args: string[], io: FakeIo): Promise<FakeIo> {
  const program = new Command("kes").exitOverride().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  register(program, io);
  await program.parseAsync(args, { from: "user" });
  return io;
}

async function kesFails(args: string[], io: FakeIo, message: RegExp | string): Promise<void> {
  await assert.rejects(kes(args, io), (err: unknown) => {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe("kes key", () => {
  it("creates keys, prints nothing, and reports the server's error as is", async () => {
    const io = fakeIo(apiKeyEnv());
    await kes(["key", "create", "-k", "k-one", "k-two"], io);
    assert.equal(io.out(), "");
    await kesFails(["key", "create", "-k", "k-one"], fakeIo(apiKeyEnv()), "key already exists");
  });

  it("prints a data key as JSON without a newline when piped, `derive` being `dek`", async () => {
    const piped = await kes(["key", "dek", "-k", "k-one"], fakeIo(apiKeyEnv()));
    assert.equal(piped.out(), `{"plaintext":"${b64("dek")}","ciphertext":"${b64("sealed:dek")}"}`);
    const derived = await kes(["key", "derive", "-k", "k-one"], fakeIo(apiKeyEnv()));
    assert.equal(derived.out(), piped.out());
  });

  it("prints friendly lines on a terminal, JSON with --json", async () => {
    const tty = await kes(["key", "dek", "-k", "k-one"], fakeIo(apiKeyEnv(), { tty: true }));
    assert.equal(tty.out(), `plaintext:  ${b64("dek")}\nciphertext: ${b64("sealed:dek")}\n`);
    const forced = await kes(
      ["key", "dek", "-k", "--json", "k-one"],
      fakeIo(apiKeyEnv(), { tty: true }),
    );
    assert.equal(forced.out(), `{"plaintext":"${b64("dek")}","ciphertext":"${b64("sealed:dek")}"}`);
  });

  it("encrypts and decrypts, with an optional base64 context", async () => {
    const enc = await kes(["key", "encrypt", "-k", "k-one", "hello"], fakeIo(apiKeyEnv()));
    const { ciphertext } = JSON.parse(enc.out()) as { ciphertext: string };
    assert.equal(enc.out(), `{"ciphertext":"${ciphertext}"}`);
    const dec = await kes(["key", "decrypt", "-k", "k-one", ciphertext], fakeIo(apiKeyEnv()));
    assert.equal(dec.out(), `{"plaintext":"${b64("hello")}"}`);
    const tty = await kes(
      ["key", "decrypt", "-k", "k-one", ciphertext, b64("ctx")],
      fakeIo(apiKeyEnv(), { tty: true }),
    );
    assert.equal(tty.out(), `plaintext: ${b64("hello|ctx")}\n`);
    const ttyEnc = await kes(
      ["key", "encrypt", "-k", "k-one", "x"],
      fakeIo(apiKeyEnv(), { tty: true }),
    );
    assert.match(ttyEnc.out(), /^ciphertext: [A-Za-z0-9+/=]+\n$/);
  });

  it("refuses bad base64 arguments before calling the server", async () => {
    const before = server.requests.length;
    await kesFails(
      ["key", "decrypt", "-k", "k-one", "not base64!"],
      fakeIo(apiKeyEnv()),
      "invalid ciphertext: not valid base64. See 'kes key decrypt --help'",
    );
    await kesFails(["key", "import", "-k", "k", "%%%"], fakeIo(apiKeyEnv()), /invalid key/);
    assert.equal(server.requests.length, before);
  });

  it("refuses key names and patterns KES does not accept before calling the server", async () => {
    const before = server.requests.length;
    const rule = "a name is 1 to 80 characters of A-Z, a-z, 0-9, '-' and '_'";
    await kesFails(
      ["key", "create", "-k", "fine", "../my-app"],
      fakeIo(apiKeyEnv()),
      `invalid key name "../my-app": name contains invalid character; ${rule}`,
    );
    await kesFails(
      ["key", "derive", "-k", "my-app-key/../x"],
      fakeIo(apiKeyEnv()),
      `invalid key name "my-app-key/../x": name contains invalid character; ${rule}`,
    );
    await kesFails(
      ["key", "info", "-k", "k".repeat(81)],
      fakeIo(apiKeyEnv()),
      `invalid key name "${"k".repeat(81)}": name is too long; ${rule}`,
    );
    for (const args of [
      ["rm", "k-one", "a b"],
      ["encrypt", "k/one", "msg"],
      ["decrypt", "k.one", b64("x")],
      ["import", "?", b64("x".repeat(32))],
      ["info", ""],
    ]) {
      await kesFails(["key", ...args, "-k"], fakeIo(apiKeyEnv()), /^invalid key name /);
    }
    await kesFails(
      ["key", "ls", "-k", "../*"],
      fakeIo(apiKeyEnv()),
      'invalid key pattern "../*": pattern contains invalid character; ' +
        "a pattern is at most 80 characters of A-Z, a-z, 0-9, '-' and '_' and '*'",
    );
    assert.equal(server.requests.length, before, "nothing was sent");
    // `*` (the default) and a prefix glob still list.
    await kes(["key", "ls", "-k", "k-*"], fakeIo(apiKeyEnv()));
  });

  it("says when an answer carries no KES error message, naming the server setting", async () => {
    const other = await startTestServer(
      (req) =>
        req.path.includes("moved")
          ? { status: 301, headers: { location: "https://elsewhere.example/" } }
          : { status: 404 },
      { certPem: serverCert.certPem, keyPem: serverCert.keyPem },
    );
    try {
      const apiKey = generateApiKey().apiKey;
      const notKes = "the server answered 404 Not Found without a KES error message";
      await kesFails(
        ["key", "create", "-k", "x"],
        fakeIo({ KES_SERVER: other.endpoint, KES_API_KEY: apiKey }),
        `${notKes} (is KES_SERVER=${other.endpoint} a KES server?)`,
      );
      await kesFails(
        ["key", "dek", "-k", "x", "--server", other.endpoint],
        fakeIo({ KES_API_KEY: apiKey }),
        `${notKes} (is --server ${other.endpoint} a KES server?)`,
      );
      await kesFails(
        ["key", "create", "-k", "moved"],
        fakeIo({ KES_SERVER: other.endpoint, KES_API_KEY: apiKey }),
        "the server redirected POST /v1/key/create/moved to https://elsewhere.example/ " +
          "(301 Moved Permanently) instead of answering it",
      );
      // KES's own messages stay as they are (see "creates keys" above).
    } finally {
      await other.close();
    }
  });

  it("shows key info as a table or JSON", async () => {
    const table = await kes(["key", "info", "-k", "k-one"], fakeIo(apiKeyEnv()));
    assert.equal(
      table.out(),
      [
        "Name        k-one",
        "ID          66687aadf862bd776c8fc18b8e9f8e20",
        "Algorithm   AES256-GCM_SHA256",
        "Date        2023-02-15 14:54:37",
        `Owner       ${"ab".repeat(32)}`,
        "",
      ].join("\n"),
    );
    const asJson = await kes(["key", "info", "--json", "-k", "k-one"], fakeIo(apiKeyEnv()));
    assert.deepEqual(JSON.parse(asJson.out()), {
      name: "k-one",
      id: "66687aadf862bd776c8fc18b8e9f8e20",
      algorithm: "AES256-GCM_SHA256",
      created_at: "2023-02-15T14:54:37.123Z",
      created_by: "ab".repeat(32),
    });
    await kesFails(["key", "info", "-k", "missing"], fakeIo(apiKeyEnv()), "key does not exist");
  });

  it("lists keys sorted: a table on a terminal, nd-json when piped or with --json", async () => {
    const tty = { tty: true };
    const table = await kes(["key", "ls", "-k"], fakeIo(apiKeyEnv(), tty));
    assert.equal(table.out(), "Key\nk-one\nk-two\n");
    const piped = await kes(["key", "ls", "-k"], fakeIo(apiKeyEnv()));
    assert.equal(piped.out(), '{"name":"k-one"}\n{"name":"k-two"}\n');
    const nd = await kes(["key", "ls", "-k", "--json", "k-*"], fakeIo(apiKeyEnv(), tty));
    assert.equal(nd.out(), '{"name":"k-one"}\n{"name":"k-two"}\n');
    assert.equal(server.requests.at(-1)?.path, "/v1/key/list/k-*");
    await kes(["key", "rm", "-k", "k-two"], fakeIo(apiKeyEnv()));
    const after = await kes(["key", "ls", "-k"], fakeIo(apiKeyEnv(), tty));
    assert.equal(after.out(), "Key\nk-one\n");
  });

  it("takes --server as `--server URL` and `--server=URL`", async () => {
    const env = { KES_API_KEY: generateApiKey().apiKey, KES_SERVER: "https://127.0.0.1:1" };
    await kes(["key", "create", "-k", "--server", server.endpoint, "s-one"], fakeIo(env));
    await kes(["key", "create", "-k", `--server=${server.endpoint}`, "s-two"], fakeIo(env));
    assert.deepEqual(
      server.requests.slice(-2).map((r) => r.path),
      ["/v1/key/create/s-one", "/v1/key/create/s-two"],
    );
  });
});

describe("kes key credentials", () => {
  it("authenticates with KES_CLIENT_CERT/KES_CLIENT_KEY, asking for an encrypted key's password", async () => {
    const client = await createSelfSignedCertificate({ subject: "app", usage: "client" });
    const certFile = join(tmp, "app.cert");
    const keyFile = join(tmp, "app.key");
    await writeFile(certFile, client.certPem);
    await writeFile(
      keyFile,
      createPrivateKey(client.keyPem).export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase: "pw",
      }),
    );
    const env = { KES_SERVER: server.endpoint, KES_CLIENT_CERT: certFile, KES_CLIENT_KEY: keyFile };
    const io = fakeIo(env, { password: "pw" });
    await kes(["key", "create", "-k", "c-one"], io);
    assert.equal(server.requests.at(-1)?.identity, identityOfCertificate(client.certPem));
    assert.deepEqual(io.prompts, [`Enter password for private key ${keyFile}: `]);

    const wrong = fakeIo(env, { password: "nope" });
    await kesFails(["key", "create", "-k", "c-two"], wrong, /password is wrong/);

    // No terminal to ask on (stdin piped): the message names the key file and the way out.
    await kesFails(
      ["key", "create", "-k", "c-three"],
      fakeIo(env),
      new RegExp(
        `^KES_CLIENT_KEY \\(${keyFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) is encrypted: its password is asked on a terminal, but stdin is not one`,
      ),
    );
  });

  it("refuses missing, half-given or conflicting credentials, naming the variables", async () => {
    const { apiKey } = generateApiKey();
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /no client credentials: set KES_API_KEY, or KES_CLIENT_CERT and KES_CLIENT_KEY/],
      [{ KES_CLIENT_CERT: "a.cert" }, /KES_CLIENT_KEY is not set/],
      [{ KES_CLIENT_KEY: "a.key" }, /KES_CLIENT_CERT is not set/],
      [{ KES_API_KEY: apiKey, KES_CLIENT_CERT: "a.cert" }, /cannot be used together/],
      [
        { KES_CLIENT_CERT: join(tmp, "none.cert"), KES_CLIENT_KEY: "x" },
        /^cannot read KES_CLIENT_CERT \(.*none\.cert\): no such file$/,
      ],
      [{ KES_API_KEY: "kes:v2:abc" }, /invalid API key: unsupported version/],
    ];
    for (const [env, message] of cases) {
      await kesFails(
        ["key", "create", "x"],
        fakeIo({ KES_SERVER: server.endpoint, ...env }),
        message,
      );
    }
  });

  it("checks the certificate and key files before connecting, naming variable and file", async () => {
    const app = await createSelfSignedCertificate({ subject: "app", usage: "client" });
    const other = await createSelfSignedCertificate({ subject: "other", usage: "client" });
    const file = async (name: string, text: string) => {
      const path = join(tmp, name);
      await writeFile(path, text);
      return path;
    };
    const cert = await file("pair.cert", app.certPem);
    const otherKey = await file("other.key", other.keyPem);
    const notPem = await file("notes.txt", "hello\n");
    const badCert = await file(
      "bad.cert",
      app.certPem.replace(/^(-+BEGIN CERTIFICATE-+\n)./, "$1@"),
    );
    const before = server.requests.length;
    const cases: [string, string, string][] = [
      [
        cert,
        otherKey,
        `KES_CLIENT_KEY (${otherKey}) is not the private key of KES_CLIENT_CERT (${cert})`,
      ],
      [
        cert,
        notPem,
        `KES_CLIENT_KEY (${notPem}): not a private key: no PEM PRIVATE KEY block found`,
      ],
      [cert, tmp, `cannot read KES_CLIENT_KEY (${tmp}): it is a directory`],
      [
        notPem,
        otherKey,
        `KES_CLIENT_CERT (${notPem}) is not a certificate: it holds no PEM CERTIFICATE block`,
      ],
      [
        otherKey,
        cert,
        `KES_CLIENT_CERT (${otherKey}) is not a certificate: it holds no PEM CERTIFICATE block`,
      ],
      [
        badCert,
        otherKey,
        `KES_CLIENT_CERT (${badCert}) is not a PEM file: invalid PEM: the CERTIFICATE block is not valid base64`,
      ],
    ];
    for (const [certFile, keyFile, message] of cases) {
      const env = {
        KES_SERVER: server.endpoint,
        KES_CLIENT_CERT: certFile,
        KES_CLIENT_KEY: keyFile,
      };
      await kesFails(["key", "create", "-k", "pair-key"], fakeIo(env), message);
    }
    assert.equal(server.requests.length, before, "nothing was sent");
  });

  it("says to use -k when the server's certificate is self-signed", async () => {
    await kesFails(
      ["key", "create", "x"],
      fakeIo(apiKeyEnv()),
      /certificate not trusted.*If the server uses a self-signed certificate, add -k \(--insecure\)/,
    );
  });

  it("says to check the server when nothing listens", async () => {
    const endpoint = `https://127.0.0.1:${await closedPort()}`;
    const env = { KES_SERVER: endpoint, KES_API_KEY: generateApiKey().apiKey };
    await kesFails(
      ["key", "create", "-k", "x"],
      fakeIo(env),
      `cannot connect to ${endpoint}: connection refused. Is the KES server running at that address? (KES_SERVER sets it)`,
    );
  });
});

describe("kes key (the real command)", () => {
  it("prints `Error: <server message>` on stderr and exits non-zero", async () => {
    const bin = resolve(import.meta.dirname, "../../bin/kes.js");
    const env = { ...process.env, ...apiKeyEnv() };
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, ...args], { env, timeout: 30_000 }).then(
        (r) => ({ code: 0, stderr: r.stderr }),
        (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr }),
      );
    const first = await run(["key", "create", "-k", "bin-key"]);
    assert.deepEqual(first, { code: 0, stderr: "" });
    const again = await run(["key", "create", "-k", "bin-key"]);
    assert.deepEqual(again, { code: 1, stderr: "Error: key already exists\n" });
  });

  it("output it cannot write (> /dev/full) is one error line and status 1", async () => {
    const bin = resolve(import.meta.dirname, "../../bin/kes.js");
    const full = await open("/dev/full", "w");
    try {
      const child = spawn(process.execPath, [bin, "key", "derive", "-k", "k-one"], {
        env: { ...process.env, ...apiKeyEnv() },
        stdio: ["ignore", full.fd, "pipe"],
        timeout: 30_000,
      });
      let stderr = "";
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      const [code] = (await once(child, "close")) as [number | null];
      assert.equal(stderr, "Error: cannot write output: ENOSPC: no space left on device, write\n");
      assert.equal(code, 1);
    } finally {
      await full.close();
    }
  });
});
