import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { identityOfCertificate, loadPrivateKey, parseApiKey } from "@kes/identity";
import { Command } from "commander";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { type FakeIo, fakeIo } from "../testing/fake-io.js";
import { register } from "./identity.js";
import { identityOf } from "./identity-of.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const HOUR = 3_600_000;

async function kes(args: string[], io: CliIo = fakeIo({})): Promise<void> {
  const program = new Command("kes").exitOverride().configureOutput({
    writeOut: () => {},
    writeErr: () => {},
  });
  register(program, io);
  await program.parseAsync(args, { from: "user" });
}

async function run(args: string[], options: { tty?: boolean } = {}): Promise<FakeIo> {
  const io = fakeIo({}, options);
  await kes(args, io);
  return io;
}

async function fails(args: string[], message: string): Promise<void> {
  await assert.rejects(kes(args), (err: unknown) => {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

describe("kes tool identity / kes identity", () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-cli-identity-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("the guide: new --server --key --cert --ip --dns writes a server certificate", async () => {
    const io = await run([
      "tool",
      "identity",
      "new",
      "--server",
      "--key",
      at("server.key"),
      "--cert",
      at("server.cert"),
      "--ip",
      "127.0.0.1",
      "--dns",
      "localhost",
    ]);
    const pem = await readFile(at("server.cert"), "utf8");
    const cert = new X509Certificate(pem);
    assert.equal(io.out(), `${identityOfCertificate(pem)}\n`);
    assert.deepEqual(cert.keyUsage, [SERVER_AUTH]);
    assert.equal(cert.subjectAltName, "DNS:localhost, IP Address:127.0.0.1");
    assert.equal(cert.publicKey.asymmetricKeyType, "ed25519");
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 720 * HOUR);
    assert.equal((await stat(at("server.key"))).mode & 0o777, 0o600);
    assert.equal((await stat(at("server.cert"))).mode & 0o777, 0o644);
    assert.ok(cert.checkPrivateKey(loadPrivateKey(await readFile(at("server.key"), "utf8"))));
  });

  it("the guide: new --key=app.key --cert=app.cert app (the --flag=value form)", async () => {
    const io = await run([
      "tool",
      "identity",
      "new",
      `--key=${at("app.key")}`,
      `--cert=${at("app.cert")}`,
      "app",
    ]);
    const pem = await readFile(at("app.cert"), "utf8");
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, "CN=app");
    assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
    assert.equal(cert.subjectAltName, undefined);
    assert.equal(io.out(), `${identityOfCertificate(pem)}\n`);
  });

  it("the guide: of app.cert prints the bare hex when piped, a friendly line on a terminal", async () => {
    const identity = identityOfCertificate(await readFile(at("app.cert")));
    assert.equal((await run(["tool", "identity", "of", at("app.cert")])).out(), `${identity}\n`);
    assert.equal((await run(["identity", "of", at("app.cert")])).out(), `${identity}\n`);
    assert.equal(
      (await run(["tool", "identity", "of", at("app.cert")], { tty: true })).out(),
      `Identity:  ${identity}\n`,
    );
  });

  it("on a terminal, new names the files and the identity", async () => {
    const io = await run(["identity", "new", "--key", at("t.key"), "--cert", at("t.cert")], {
      tty: true,
    });
    const identity = identityOfCertificate(await readFile(at("t.cert")));
    assert.equal(
      io.out(),
      `Private key:  ${at("t.key")}\nCertificate:  ${at("t.cert")}\nIdentity:     ${identity}\n`,
    );
  });

  it("refuses to overwrite without --force, overwrites with it", async () => {
    const before = await readFile(at("app.cert"), "utf8");
    await fails(
      ["tool", "identity", "new", "--key", at("app.key"), "--cert", at("app.cert"), "app"],
      `refusing to overwrite '${at("app.key")}': the file already exists (use --force to replace it)`,
    );
    assert.equal(await readFile(at("app.cert"), "utf8"), before);
    await run([
      "tool",
      "identity",
      "new",
      "-f",
      "--key",
      at("app.key"),
      "--cert",
      at("app.cert"),
      "app",
    ]);
    const after = await readFile(at("app.cert"), "utf8");
    assert.notEqual(identityOfCertificate(after), identityOfCertificate(before));
    assert.ok(
      new X509Certificate(after).checkPrivateKey(
        loadPrivateKey(await readFile(at("app.key"), "utf8")),
      ),
    );
  });

  it("identity new without files prints a fresh API key and its identity", async () => {
    const piped = (await run(["identity", "new"])).out().split("\n");
    assert.equal(piped.length, 3);
    assert.equal(piped[2], "");
    assert.equal(parseApiKey(piped[0] as string).identity, piped[1]);
    const tty = (await run(["identity", "new"], { tty: true })).out();
    const apiKey = /kes:v1:\S+/.exec(tty)?.[0] as string;
    assert.ok(tty.includes(`   ${parseApiKey(apiKey).identity}\n`), tty);
    assert.notEqual(apiKey, piped[0]);
  });

  it("--expiry / -t, --key-type, comma lists, and subject", async () => {
    await run([
      "identity",
      "new",
      "--expiry",
      "1h",
      "--key-type",
      "ecdsa-p256",
      "--server",
      "--ip",
      "127.0.0.1,::1",
      "--dns=localhost",
      "--dns",
      "kes.local",
      "--key",
      at("e.key"),
      "--cert",
      at("e.cert"),
      "kes-server",
    ]);
    const cert = new X509Certificate(await readFile(at("e.cert")));
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), HOUR);
    assert.equal(cert.publicKey.asymmetricKeyType, "ec");
    assert.equal(cert.subject, "CN=kes-server");
    assert.equal(
      cert.subjectAltName,
      "DNS:localhost, DNS:kes.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    await run([
      "tool",
      "identity",
      "new",
      "-t",
      "48h",
      "--key",
      at("t48.key"),
      "--cert",
      at("t48.cert"),
    ]);
    const t48 = new X509Certificate(await readFile(at("t48.cert")));
    assert.equal(Date.parse(t48.validTo) - Date.parse(t48.validFrom), 48 * HOUR);
    // Without a subject the common name is the identity, as KES does.
    assert.equal(t48.subject, `CN=${identityOfCertificate(t48.raw)}`);
  });

  it("--encrypt writes a password-protected key (asked twice)", async () => {
    const io = fakeIo({}, { password: "correct horse" });
    await kes(
      ["identity", "new", "--encrypt", "--key", at("enc.key"), "--cert", at("enc.cert")],
      io,
    );
    assert.equal(io.prompts.length, 2);
    const pem = await readFile(at("enc.key"), "utf8");
    assert.match(pem, /Proc-Type: 4,ENCRYPTED/);
    const cert = new X509Certificate(await readFile(at("enc.cert")));
    assert.ok(cert.checkPrivateKey(loadPrivateKey(pem, "correct horse")));
    let n = 0;
    const mismatch: CliIo = { ...fakeIo({}), promptPassword: async () => `pw${n++}` };
    await assert.rejects(
      kes(
        ["identity", "new", "--encrypt", "--key", at("enc2.key"), "--cert", at("enc2.cert")],
        mismatch,
      ),
      { message: "the passwords do not match: nothing was written" },
    );
    await assert.rejects(stat(at("enc2.key")), { code: "ENOENT" });
  });

  it("bad flag combinations get clear errors", async () => {
    await fails(
      ["identity", "new", "--ip", "1.2.3.4", "--force"],
      "without --key <file> --cert <file> no certificate is made, so these have nothing to apply to: --ip, --force",
    );
    await fails(
      ["identity", "new", "my-subject"],
      "without --key <file> --cert <file> no certificate is made, so these have nothing to apply to: a subject",
    );
    await fails(
      ["tool", "identity", "new", "--key", at("x.key")],
      "--key and --cert must be given together",
    );
    await fails(
      ["tool", "identity", "new", "--server", "--key", at("s.key"), "--cert", at("s.cert")],
      "a server certificate needs at least one --ip or --dns: TLS clients check the server's address against them",
    );
    await fails(
      ["identity", "new", "--expiry", "30", "--key", at("d.key"), "--cert", at("d.cert")],
      "invalid --expiry '30': expected a duration such as 720h or 2160h",
    );
    await fails(
      ["tool", "identity", "new", "-t", "0s", "--key", at("d.key"), "--cert", at("d.cert")],
      "invalid --time '0s': it must be more than 0",
    );
    await fails(
      ["identity", "new", "--expiry", "1000000h", "--key", at("d.key"), "--cert", at("d.cert")],
      "invalid --expiry '1000000h': at most 876000h (100 years)",
    );
    await fails(
      [
        "tool",
        "identity",
        "new",
        "--ip",
        "localhost",
        "--key",
        at("d.key"),
        "--cert",
        at("d.cert"),
      ],
      "invalid IP address 'localhost'",
    );
    await assert.rejects(stat(at("d.key")), { code: "ENOENT" });
  });

  it("of: API keys, --hash, stdin, and clear errors", async () => {
    const vector = "kes:v1:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw";
    assert.equal(
      (await run(["identity", "of", vector])).out(),
      "0426fa9a04bc2756b92fbe8a97e1a1e07b53ecf04ed33da22c33e5c9faeb8cbb\n",
    );
    assert.match(
      (await run(["tool", "identity", "of", "--hash", "SHA-512", at("app.cert")])).out(),
      /^[0-9a-f]{128}\n$/,
    );
    const io = fakeIo({});
    const pem = await readFile(at("app.cert"));
    await identityOf("-", {}, io, async () => pem);
    assert.equal(io.out(), `${identityOfCertificate(pem)}\n`);
    await fails(
      ["tool", "identity", "of", at("missing.cert")],
      `cannot read '${at("missing.cert")}': no such file`,
    );
    await fails(
      ["tool", "identity", "of", at("app.key")],
      "not a certificate: the PEM holds PRIVATE KEY but no CERTIFICATE",
    );
    await writeFile(at("junk"), "hello");
    await fails(["identity", "of", at("junk")], "not a certificate: expected PEM or DER");
    await fails(
      ["identity", "of", "kes:v1:AAAA"],
      "invalid API key: it holds 3 bytes, expected 33",
    );
    await fails(
      ["tool", "identity", "of", "--hash", "MD5", at("app.cert")],
      "invalid --hash 'MD5': expected SHA-256, SHA-384, SHA-512",
    );
  });
});
