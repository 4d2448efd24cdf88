/**
 * SIGHUP reloads the config of a running `kes server` (kes-api.md §1.1, §9.1), as a user does it:
 * rewrite the file, `kill -HUP`. Traffic runs throughout and no request may fail.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type ClientHttp2Session, connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CertificateMaterial, createSelfSignedCertificate } from "@kes/identity";
import { type KesProcess, killAll, spawnKes } from "../support/kes-bin.js";

const REQUEST_TIMEOUT_MS = 10_000;

function config(policy: { allow: string[] }, extra = ""): string {
  return `address: 127.0.0.1:0
admin:
  identity: \${ADMIN_IDENTITY}
tls:
  key: server.key
  cert: server.cert
policy:
  my-app:
    allow:
${policy.allow.map((p) => `    - ${p}`).join("\n")}
    identities:
    - \${APP_IDENTITY}
keystore:
  fs:
    path: ./keys
${extra}`;
}

const BEFORE = { allow: ["/v1/key/generate/my-app*", "/v1/key/decrypt/my-app*"] };
const AFTER = { allow: [...BEFORE.allow, "/v1/key/describe/my-app*"] };

function request(
  session: ClientHttp2Session,
  method: string,
  path: string,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": method, ":path": path });
    const timer = setTimeout(() => {
      stream.close();
      reject(new Error(`${method} ${path}: no answer in ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    stream.once("response", (h) => {
      clearTimeout(timer);
      resolve(Number(h[":status"]));
    });
    stream.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.resume();
    stream.end(body);
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("kes server: SIGHUP reloads the config", () => {
  let dir: string;
  let file: string;
  let server: KesProcess;
  let endpoint: string;
  let app: CertificateMaterial;
  let admin: CertificateMaterial;
  const sessions: ClientHttp2Session[] = [];
  const session = (cert: CertificateMaterial) => {
    const s = connect(endpoint, {
      rejectUnauthorized: false,
      cert: cert.certPem,
      key: cert.keyPem,
    });
    s.on("error", () => {});
    sessions.push(s);
    return s;
  };
  const reloads = () =>
    server.stderr.split("\n").filter((l) => l.includes('"msg":"config reloaded"')).length;
  const refusals = () =>
    server.stderr.split("\n").filter((l) => l.includes("config reload refused"));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-reload-e2e-"));
    const serverCert = await createSelfSignedCertificate({
      subject: "localhost",
      ip: ["127.0.0.1"],
      usage: "server",
      keyType: "ecdsa-p256",
    });
    await writeFile(join(dir, "server.cert"), serverCert.certPem);
    await writeFile(join(dir, "server.key"), serverCert.keyPem, { mode: 0o600 });
    app = await createSelfSignedCertificate({ subject: "app", usage: "client" });
    admin = await createSelfSignedCertificate({ subject: "admin", usage: "client" });
    file = join(dir, "config.yml");
    await writeFile(file, config(BEFORE));
    server = spawnKes(["server", "--config", file, "--auth=off"], {
      cwd: dir,
      env: { APP_IDENTITY: app.identity, ADMIN_IDENTITY: admin.identity },
    });
    const [, url = ""] = await server.waitForOutput(/^Endpoints\s+(https:\/\/127\.0\.0\.1:\d+)$/m);
    endpoint = url;
    assert.equal(await request(session(admin), "POST", "/v1/key/create/my-app-key"), 200);
  });

  after(async () => {
    for (const s of sessions) s.destroy();
    await killAll();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("a new policy applies under traffic, and not one request fails", {
    timeout: 60_000,
  }, async () => {
    const client = session(app);
    assert.equal(await request(client, "GET", "/v1/key/describe/my-app-key"), 403);
    const statuses: number[] = [];
    const errors: unknown[] = [];
    let stop = false;
    // Four loops of generate requests over one connection that stays open across the reload.
    const loops = Array.from({ length: 4 }, async () => {
      while (!stop) {
        try {
          statuses.push(await request(client, "POST", "/v1/key/generate/my-app-key", "{}"));
        } catch (err) {
          errors.push(err);
        }
      }
    });
    try {
      await until("traffic", () => statuses.length > 50);
      await writeFile(file, config(AFTER));
      server.child.kill("SIGHUP");
      await until("the reload", () => reloads() === 1);
      const afterReload = statuses.length;
      await until("traffic after the reload", () => statuses.length > afterReload + 50);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.deepEqual(errors, [], "no request failed at the transport");
    assert.deepEqual(new Set(statuses), new Set([200]), "every generate succeeded");
    assert.equal(
      await request(client, "GET", "/v1/key/describe/my-app-key"),
      200,
      "the new policy applies",
    );
    assert.equal(await request(session(app), "GET", "/v1/key/describe/my-app-key"), 200);
  });

  it("a bad new config is refused with file:line: path: message, and the old one stays", {
    timeout: 30_000,
  }, async () => {
    await writeFile(file, config({ allow: [] }, "cache:\n  expiry:\n    any: five minutes\n"));
    server.child.kill("SIGHUP");
    await until("the refusal", () => refusals().length === 1);
    assert.match(
      refusals()[0] ?? "",
      /config reload refused: \S*config\.yml:\d+: cache\.expiry\.any: [^;]+; the previous config stays in force/,
    );
    assert.equal(
      await request(session(app), "GET", "/v1/key/describe/my-app-key"),
      200,
      "old policy",
    );
  });

  it("a changed keystore is refused: it needs a restart", { timeout: 30_000 }, async () => {
    await writeFile(file, config({ allow: [] }).replace("path: ./keys", "path: ./other-keys"));
    server.child.kill("SIGHUP");
    await until("the refusal", () => refusals().length === 2);
    assert.match(refusals()[1] ?? "", /keystore: the keystore changed, which needs a restart/);
    assert.equal(
      await request(session(app), "GET", "/v1/key/describe/my-app-key"),
      200,
      "old policy",
    );
    assert.ok(server.running);
    assert.equal(reloads(), 1);
  });
});
