/**
 * The compose harness must fail when the compose file is wrong, or compose.e2e.test.ts proves
 * nothing. Each case mutates the parsed docker-compose.yml the way a slip of the pen would and
 * starts only the cheap part (certs and keystore, like `docker compose up --wait keystore`) to
 * see the failure reported, naming the container and showing why.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connect } from "node:tls";
import { REPO } from "./build-context.js";
import { ComposeError, parseCompose, readComposeDocument } from "./compose-file.js";
import { ComposeStack, downAll, type UpOptions } from "./harness.js";

const FILE = join(REPO, "docker-compose.yml");

type Doc = {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};

function base(): Doc {
  return readComposeDocument(FILE) as Doc;
}

/** One service of the document, to mutate. */
function service(doc: Doc, name: string): Record<string, unknown> {
  const s = doc.services[name];
  assert.ok(s !== undefined, `no service ${name}`);
  return s;
}

/** `docker compose up --wait keystore` (or other services). */
function up(doc: Doc, options: UpOptions = { services: ["keystore"] }): Promise<ComposeStack> {
  const project = parseCompose(doc as unknown as Record<string, unknown>, { dir: REPO, env: {} });
  return ComposeStack.up(project, { wait: true, waitMs: 60_000, ...options });
}

/** A service's health check gives up after about 3 s: for cases that never turn healthy. */
function impatient(doc: Doc, name: string): { test: string[] } {
  const check = service(doc, name)["healthcheck"] as Record<string, unknown>;
  Object.assign(check, { interval: "1s", retries: 3, start_period: "0s" });
  return check as { test: string[] };
}

async function assertUpFails(doc: Doc, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(up(doc), (err: unknown) => {
    assert.ok(err instanceof ComposeError, String(err));
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

/** Whether a TLS handshake with the internal CA and crypto's certificate succeeds at port. */
async function handshake(stack: ComposeStack, port: number): Promise<string> {
  const certs = stack.volume("certs");
  const [ca, cert, key] = await Promise.all(
    ["ca.crt", "crypto.crt", "crypto.key"].map((f) => readFile(join(certs, f), "utf8")),
  );
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, ca, cert, key, servername: "keystore" });
    socket.setTimeout(5_000, () => socket.destroy(new Error("timeout")));
    socket.once("secureConnect", () => {
      socket.end();
      resolve("connected");
    });
    socket.once("error", (err) => resolve(`failed: ${err.message}`));
  });
}

describe("the compose harness reports a wrong compose file", () => {
  after(() => downAll());

  it("starts the unmodified certs + keystore part (the control case)", async () => {
    const stack = await up(base());
    try {
      assert.equal(stack.container("certs-1").exitCode, 0);
      assert.ok(stack.container("keystore-1").running);
    } finally {
      await stack.down();
    }
  });

  it("a variable the config needs is missing from the environment", async () => {
    const doc = base();
    delete (service(doc, "keystore")["environment"] as Record<string, string>)["KES_INTERNAL_CERT"];
    await assertUpFails(doc, /keystore-1 exited \(1\) before it was healthy/, /KES_INTERNAL_CERT/);
  });

  it("a wrong command", async () => {
    const doc = base();
    (service(doc, "keystore") as { command: string[] }).command[1] = "keystor";
    await assertUpFails(doc, /keystore-1 exited/, /unknown command 'keystor'/);
  });

  it("a wrong entrypoint script", async () => {
    const doc = base();
    (service(doc, "certs") as { entrypoint: string[] }).entrypoint[1] = "/etc/kes/cert.sh";
    await assertUpFails(doc, /keystore needs certs-1 to complete successfully; it exited with 2/);
  });

  it("a volume not shared between certs and the keystore", async () => {
    const doc = base();
    const volumes = (service(doc, "keystore") as { volumes: string[] }).volumes;
    volumes[volumes.indexOf("certs:/certs:ro")] = "certs-elsewhere:/certs:ro";
    doc.volumes["certs-elsewhere"] = null;
    await assertUpFails(
      doc,
      /keystore-1 exited/,
      /cannot read .*certs-elsewhere\/client\.identity/,
    );
  });

  it("a health check that asks the wrong service never turns healthy", async () => {
    const doc = base();
    const { test } = impatient(doc, "keystore");
    test[test.indexOf("keystore")] = "crypto";
    await assertUpFails(
      doc,
      /keystore-1 is not healthy after \d+ ms/,
      /crypto at 127\.\d+\.\d+\.\d+:7002|no health answer/,
    );
  });

  it("a service that dials a name no container has", async () => {
    const doc = base();
    const env = service(doc, "crypto")["environment"] as Record<string, string>;
    env["KES_KEYSTORE_ADDRESS"] = "keystores:7003";
    impatient(doc, "crypto");
    await assert.rejects(up(doc, { services: ["crypto"] }), /crypto-1 is not healthy after/);
  });

  it("a published port that maps to the wrong container port", async () => {
    for (const [mapping, expected] of [
      ["17003:7003", /^connected$/],
      ["17003:7004", /^failed: /],
    ] as const) {
      const doc = base();
      service(doc, "keystore")["ports"] = [mapping];
      const stack = await up(doc);
      try {
        assert.match(await handshake(stack, stack.hostPort(17003)), expected, mapping);
      } finally {
        await stack.down();
      }
    }
  });

  it("a one-shot that compose would restart forever, before anything starts", async () => {
    const doc = base();
    service(doc, "certs")["restart"] = "unless-stopped";
    await assertUpFails(doc, /certs\.restart: unless-stopped would run the one-shot certs again/);
  });
});
