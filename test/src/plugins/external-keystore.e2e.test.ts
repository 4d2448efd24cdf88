/**
 * The keystore contract suite against the example plug-in (examples/grpc-keystore: plain
 * JavaScript on @grpc/grpc-js, a different gRPC stack from ours), running as a separate process
 * and reached through connectKeyStore, exactly as KES reaches any plug-in:
 * - in memory, one process shared by every test (as an external service would be);
 * - in a JSON file, emptied before each test (so the suite's checks for an unshared store
 *   apply), where "re-open" is a real restart of the process on the same file, so persistence
 *   is checked across processes;
 * - over mutual TLS with certificates from our own CA.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type KeyStore, listAll } from "@kes/core";
import { createCertificateAuthority, issueCertificate } from "@kes/identity";
import { keystoreContract } from "@kes/keystore-contract";
import { connectKeyStore, type KeyStoreClientTls } from "@kes/keystore-service";
import { type ExampleKeystore, startExampleKeystore, stopAllExamples } from "./example-keystore.js";

const TIMEOUT_MS = 10_000;
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kes-plugin-"));
  dirs.push(dir);
  return dir;
}

after(async () => {
  await stopAllExamples();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function connect(plugin: ExampleKeystore, tls?: KeyStoreClientTls): KeyStore {
  return connectKeyStore({
    endpoint: plugin.endpoint,
    timeoutMs: TIMEOUT_MS,
    ...(tls === undefined ? {} : { tls }),
  });
}

/** Starts `start` once, on first use, so a skipped suite starts nothing. */
function lazily<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    started ??= start();
    return started;
  };
}

const memoryPlugin = lazily(() => startExampleKeystore(["--memory"]));

keystoreContract(
  "example grpc-js plug-in, in memory (one shared process)",
  async () => {
    const store = connect(await memoryPlugin());
    return { store, cleanup: () => store.close() };
  },
  { shared: true, backend: "memory" },
);

/** The file-mode plug-in: one process at a time on one file; "re-open" replaces it. */
let filePlugin: Promise<ExampleKeystore> | undefined;
const fileOf = lazily(async () => join(await tempDir(), "keys.json"));

async function startFilePlugin(): Promise<ExampleKeystore> {
  return startExampleKeystore(["--file", await fileOf()]);
}

/** Deletes every name, so each test starts from the empty store an unshared suite expects. */
async function emptied(store: KeyStore): Promise<KeyStore> {
  const names: string[] = [];
  for await (const name of listAll(store, "")) names.push(name);
  for (const name of names) await store.delete(name);
  return store;
}

keystoreContract(
  "example grpc-js plug-in, JSON file (re-open restarts the process on the same file)",
  async () => {
    filePlugin ??= startFilePlugin();
    const store = await emptied(connect(await filePlugin));
    return {
      store,
      async reopen() {
        // A graceful stop and a new process on the same file: what survives is on disk.
        const old = await filePlugin;
        assert.deepEqual(await old?.stop("SIGTERM"), { code: 0, signal: null });
        filePlugin = startFilePlugin();
        return connect(await filePlugin);
      },
      cleanup: () => store.close(),
    };
  },
  { backend: "json-file" },
);

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files. */
const pki = lazily(async () => {
  const dir = await tempDir();
  const ca = await createCertificateAuthority({ subject: "plug-in test CA" });
  const server = await issueCertificate(ca, {
    subject: "keystore plug-in",
    ip: ["127.0.0.1"],
    usage: "server",
    keyType: "ecdsa-p256",
  });
  const client = await issueCertificate(ca, { subject: "kes crypto service", usage: "client" });
  const files = {
    ca: join(dir, "ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
  };
  await writeFile(files.ca, ca.certPem);
  await writeFile(files.serverCert, server.certPem);
  await writeFile(files.serverKey, server.keyPem, { mode: 0o600 });
  return { files, client };
});

const mtlsPlugin = lazily(async () => {
  const { files } = await pki();
  const dir = await tempDir();
  return startExampleKeystore([
    "--file",
    join(dir, "keys.json"),
    "--cert",
    files.serverCert,
    "--key",
    files.serverKey,
    "--ca",
    files.ca,
  ]);
});

keystoreContract(
  "example grpc-js plug-in, JSON file over mutual TLS (one shared process)",
  async () => {
    const { files, client } = await pki();
    const store = connect(await mtlsPlugin(), {
      ca: files.ca,
      cert: client.certPem,
      key: client.keyPem,
    });
    return { store, cleanup: () => store.close() };
  },
  { shared: true, backend: "json-file" },
);
