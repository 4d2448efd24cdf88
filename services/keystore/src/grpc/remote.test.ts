import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyStore } from "@kes/core";
import { keystoreContract } from "@kes/keystore-contract";
import { openFsKeyStore } from "../backends/fs.js";
import { remoteMemoryStore } from "../test-support.js";
import { connectKeyStore } from "./client.js";
import { type KeyStoreServer, serveKeyStore } from "./server.js";

keystoreContract(
  "grpc client -> keystore service -> memory",
  () => remoteMemoryStore({}, (address) => ({ endpoint: `http://${address}` })),
  { backend: "memory" },
);

// A remote fs store: "reopen" restarts the whole service on the same directory.
keystoreContract(
  "grpc client -> keystore service -> fs",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "kes-remote-fs-"));
    let backend: KeyStore = await openFsKeyStore(dir);
    let server: KeyStoreServer = await serveKeyStore(backend);
    const clients: KeyStore[] = [connectKeyStore({ endpoint: `http://${server.address}` })];
    const stop = async () => {
      await server.close();
      await backend.close();
    };
    return {
      store: clients[0] as KeyStore,
      async reopen() {
        await stop();
        backend = await openFsKeyStore(dir);
        server = await serveKeyStore(backend);
        const client = connectKeyStore({ endpoint: server.address });
        clients.push(client);
        return client;
      },
      async cleanup() {
        for (const client of clients) await client.close();
        await stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { backend: "fs" },
);
