/** Helpers for this package's tests (not exported by the package). */
import { Writable } from "node:stream";
import { createLogger, type KeyStore, type Logger } from "@kes/core";
import type { KeyStoreHandle } from "@kes/keystore-contract";
import { createMemoryKeyStore } from "./backends/memory.js";
import { type ConnectKeyStoreOptions, connectKeyStore } from "./grpc/client.js";
import { type ServeKeyStoreOptions, serveKeyStore } from "./grpc/server.js";

/**
 * A memory store behind a running keystore service, reached through our client. "reopen" is a
 * new client to the same, still running service.
 */
export async function remoteMemoryStore(
  serve: ServeKeyStoreOptions,
  client: (address: string) => ConnectKeyStoreOptions,
): Promise<KeyStoreHandle> {
  const backend = createMemoryKeyStore();
  const server = await serveKeyStore(backend, serve);
  const connect = () => connectKeyStore(client(server.address));
  const store = connect();
  return {
    store,
    reopen: async () => connect(),
    async cleanup() {
      await store.close();
      await server.close();
      await backend.close();
    },
  };
}

/** A memory store whose methods can be replaced, counting the calls that reach it. */
export function fakeStore(overrides: Partial<KeyStore> = {}): KeyStore & { calls: string[] } {
  const inner = createMemoryKeyStore();
  const calls: string[] = [];
  const wrap =
    <A extends unknown[], R>(op: keyof KeyStore, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(op);
      return fn(...args);
    };
  return {
    calls,
    kind: overrides.kind ?? "fake",
    endpoint: overrides.endpoint ?? "fake",
    create: wrap("create", overrides.create ?? inner.create),
    get: wrap("get", overrides.get ?? inner.get),
    delete: wrap("delete", overrides.delete ?? inner.delete),
    list: wrap("list", overrides.list ?? inner.list),
    status: wrap(
      "status",
      overrides.status ??
        (async () => ({ reachable: true, latencyMs: 1.5, backend: "fake", endpoint: "fake" })),
    ),
    close: overrides.close ?? inner.close,
  };
}

/** A JSON-lines logger that keeps what it writes. */
export function capturingLogger(): { logger: Logger; lines: () => string } {
  let text = "";
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: createLogger({ level: "debug", destination }), lines: () => text };
}

/** Resolves once `signal` fires. */
export function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
