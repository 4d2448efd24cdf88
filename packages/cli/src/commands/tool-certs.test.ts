import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadPrivateKey } from "@kes/identity";
import { Command } from "commander";
import { CliError } from "../errors.js";
import { type FakeIo, fakeIo } from "../testing/fake-io.js";
import { register } from "./tool-certs.js";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const FILES = [
  "ca.crt",
  "ca.key",
  "crypto.crt",
  "crypto.key",
  "gateway.crt",
  "gateway.key",
  "keystore.crt",
  "keystore.key",
];

async function kes(args: string[]): Promise<FakeIo> {
  const io = fakeIo({});
  const program = new Command("kes").exitOverride().configureOutput({
    writeOut: () => {},
    writeErr: () => {},
  });
  register(program, io);
  await program.parseAsync(args, { from: "user" });
  return io;
}

async function cert(dir: string, name: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(join(dir, `${name}.crt`)));
}

describe("kes tool certs internal", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "kes-cli-certs-"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("makes a CA and a certificate per role that names the role, with keys 0600", async () => {
    const out = join(root, "default", "certs");
    const io = await kes(["tool", "certs", "internal", "--out", out]);
    assert.deepEqual((await readdir(out)).sort(), FILES);
    for (const file of FILES.filter((f) => f.endsWith(".key"))) {
      assert.equal((await stat(join(out, file))).mode & 0o777, 0o600, file);
    }
    const ca = await cert(out, "ca");
    assert.equal(ca.ca, true);
    assert.equal(ca.subject, "CN=kes internal CA");
    for (const role of ["gateway", "crypto", "keystore"]) {
      const leaf = await cert(out, role);
      assert.equal(leaf.subject, `CN=${role}`);
      assert.equal(leaf.ca, false);
      assert.ok(leaf.verify(ca.publicKey), `${role} is signed by the CA`);
      assert.equal(leaf.checkIssued(ca), true);
      assert.equal(leaf.subjectAltName, `DNS:${role}, DNS:localhost, IP Address:127.0.0.1`);
      assert.deepEqual(leaf.keyUsage?.sort(), [SERVER_AUTH, CLIENT_AUTH].sort(), role);
      assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
      const key = loadPrivateKey(await readFile(join(out, `${role}.key`), "utf8"));
      assert.ok(leaf.checkPrivateKey(key), `${role}.key belongs to ${role}.crt`);
      const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000;
      assert.equal(Math.round(days), 365);
    }
    assert.match(io.out(), /^Internal CA {2}.*ca\.crt$/m);
    assert.match(io.out(), /KES_INTERNAL_CA=.*ca\.crt KES_INTERNAL_CERT=.*<role>\.crt/);
  });

  it("--dns and --ip replace localhost and 127.0.0.1; the role name stays", async () => {
    const out = join(root, "named");
    await kes([
      "tool",
      "certs",
      "internal",
      "--out",
      out,
      "--dns",
      "kes.internal,crypto",
      "--ip",
      "10.0.0.7",
      "--expiry",
      "48h",
    ]);
    const crypto = await cert(out, "crypto");
    assert.equal(crypto.subjectAltName, "DNS:crypto, DNS:kes.internal, IP Address:10.0.0.7");
    const gateway = await cert(out, "gateway");
    assert.equal(
      gateway.subjectAltName,
      "DNS:gateway, DNS:kes.internal, DNS:crypto, IP Address:10.0.0.7",
    );
    const days = (Date.parse(gateway.validTo) - Date.parse(gateway.validFrom)) / 86_400_000;
    assert.equal(days, 2);
  });

  it("refuses to overwrite without --force and changes nothing; --force replaces all", async () => {
    const out = join(root, "again");
    await kes(["tool", "certs", "internal", "--out", out]);
    const before = await readFile(join(out, "ca.crt"), "utf8");
    await rm(join(out, "gateway.key"));
    await assert.rejects(kes(["tool", "certs", "internal", "--out", out]), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, /^refusing to overwrite .*ca\.crt, .*ca\.key, .*gateway\.crt, /);
      assert.doesNotMatch(err.message, /gateway\.key/);
      assert.match(err.message, /\(use --force to replace the internal certificates\)$/);
      return true;
    });
    assert.equal(await readFile(join(out, "ca.crt"), "utf8"), before);
    assert.deepEqual((await readdir(out)).length, FILES.length - 1);
    await kes(["tool", "certs", "internal", "--out", out, "--force"]);
    assert.notEqual(await readFile(join(out, "ca.crt"), "utf8"), before);
    assert.deepEqual((await readdir(out)).sort(), FILES);
  });

  it("bad input is a clear error and writes nothing", async () => {
    const out = join(root, "bad");
    for (const [args, message] of [
      [["--ip", "300.1.1.1"], "invalid IP address '300.1.1.1'"],
      [["--dns", "not a name"], "invalid DNS name 'not a name'"],
      [["--expiry", "1y"], "invalid --expiry '1y': expected a duration such as 8760h"],
      [["--expiry", "0s"], "invalid --expiry '0s': it must be more than 0"],
    ] as const) {
      await assert.rejects(kes(["tool", "certs", "internal", "--out", out, ...args]), {
        message,
      });
      assert.deepEqual(await readdir(out).catch(() => []), [], args.join(" "));
    }
    const file = join(root, "a-file");
    await writeFile(file, "");
    await assert.rejects(kes(["tool", "certs", "internal", "--out", file]), CliError);
  });
});
