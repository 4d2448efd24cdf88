import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { keystoreContract } from "@kes/keystore-contract";
import { createMemoryKeyStore } from "../backends/memory.js";
import { remoteMemoryStore } from "../test-support.js";
import { connectKeyStore } from "./client.js";
import { type KeyStoreServer, serveKeyStore } from "./server.js";

interface Pair {
  readonly cert: string;
  readonly key: string;
}
interface Pki {
  readonly dir: string;
  readonly ca: string;
  readonly server: Pair;
  readonly client: Pair;
  /** A client certificate from a CA the server does not trust. */
  readonly stranger: Pair;
  readonly strangerCa: string;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.error ?? run.stderr}`);
}

/** Throwaway certificates: a CA, a server and a client cert it issued, and a stranger's. */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "kes-keystore-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const ca = (name: string) =>
    openssl(dir, [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
    ]);
  const leaf = (name: string, issuer: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, [
      "req",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    ]);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${issuer}.crt`,
      "-CAkey",
      `${issuer}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    ]);
  };
  ca("ca");
  ca("other-ca");
  leaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
  leaf("stranger", "other-ca", "extendedKeyUsage=clientAuth\n");
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const pair = (name: string) => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
  return {
    dir,
    ca: read("ca.crt"),
    server: pair("server"),
    client: pair("client"),
    stranger: pair("stranger"),
    strangerCa: read("other-ca.crt"),
  };
}

const pki = makePki();
after(() => rmSync(pki.dir, { recursive: true, force: true }));

keystoreContract(
  "grpc client -> keystore service over mutual TLS -> memory",
  () =>
    remoteMemoryStore({ tls: { ...pki.server, ca: pki.ca } }, (address) => ({
      endpoint: `https://${address}`,
      tls: { ca: pki.ca, ...pki.client },
    })),
  { backend: "memory" },
);

describe("keystore service over mutual TLS", () => {
  let server: KeyStoreServer;
  before(async () => {
    // File paths work as well as PEM text.
    server = await serveKeyStore(createMemoryKeyStore(), {
      tls: {
        cert: join(pki.dir, "server.crt"),
        key: join(pki.dir, "server.key"),
        ca: join(pki.dir, "ca.crt"),
      },
    });
  });
  after(() => server.close());

  async function refused(tls: { ca?: string; cert?: string; key?: string }): Promise<void> {
    const store = connectKeyStore({ endpoint: `https://${server.address}`, tls, timeoutMs: 5000 });
    try {
      await assert.rejects(store.get("k"), (err: unknown) => {
        assert.ok(isKesError(err, "keystore_failure"), String(err));
        return true;
      });
      assert.equal((await store.status()).reachable, false);
    } finally {
      await store.close();
    }
  }

  it("serves a client with a certificate from its CA, reading PEM files by path", async () => {
    const store = connectKeyStore({
      endpoint: server.address,
      tls: {
        ca: join(pki.dir, "ca.crt"),
        cert: join(pki.dir, "client.crt"),
        key: join(pki.dir, "client.key"),
      },
    });
    try {
      await store.create("over-tls", Uint8Array.of(1, 2, 3));
      assert.deepEqual(await store.get("over-tls"), Uint8Array.of(1, 2, 3));
      assert.equal(store.endpoint, `https://${server.address}`);
    } finally {
      await store.close();
    }
  });

  it("refuses a client without a certificate", async () => {
    await refused({ ca: pki.ca });
  });

  it("refuses a client whose certificate another CA issued", async () => {
    await refused({ ca: pki.ca, ...pki.stranger });
  });

  it("is refused by a client that does not trust the server's CA", async () => {
    await refused({ ca: pki.strangerCa, ...pki.client });
  });
});
