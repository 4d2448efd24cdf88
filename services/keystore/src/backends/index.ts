import type { KeystoreConfig } from "@kes/config";
import type { KeyStore, Logger } from "@kes/core";
import { connectKeyStore, type KeyStoreClientTls } from "../grpc/client.js";
import { openCipherTrustKeyStore } from "./ciphertrust/index.js";
import { openFsKeyStore } from "./fs.js";
import { createMemoryKeyStore } from "./memory.js";

export interface OpenKeyStoreOptions {
  readonly logger?: Logger;
  /** For the "grpc" backend: TLS material to reach the keystore service, and call deadline. */
  readonly grpc?: { readonly tls?: KeyStoreClientTls; readonly timeoutMs?: number };
}

type Opener<K extends KeystoreConfig["kind"]> = (
  config: Extract<KeystoreConfig, { kind: K }>,
  options: OpenKeyStoreOptions,
) => Promise<KeyStore>;

/**
 * One row per backend. A new backend is one more folder under backends/ and one more row here;
 * the type makes a missing row a compile error.
 */
const OPENERS: { readonly [K in KeystoreConfig["kind"]]: Opener<K> } = {
  memory: async () => createMemoryKeyStore(),
  fs: (config, options) =>
    openFsKeyStore(config.path, options.logger === undefined ? {} : { logger: options.logger }),
  "gemalto.keysecure": (config, options) =>
    openCipherTrustKeyStore(config, options.logger === undefined ? {} : { logger: options.logger }),
  // The config file's keystore.grpc.tls/timeout win; options.grpc is for callers without one.
  grpc: async (config, options) => {
    const tls = config.tls ?? options.grpc?.tls;
    const timeoutMs = config.timeoutMs ?? options.grpc?.timeoutMs;
    return connectKeyStore({
      endpoint: config.endpoint,
      ...(tls === undefined ? {} : { tls }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  },
};

/** Opens the keystore a KES config names. Fails at startup, naming the problem. */
export function openKeyStore(
  config: KeystoreConfig,
  options: OpenKeyStoreOptions = {},
): Promise<KeyStore> {
  const open = OPENERS[config.kind] as Opener<KeystoreConfig["kind"]> | undefined;
  if (open === undefined) {
    return Promise.reject(
      new Error(`unknown keystore backend "${String((config as { kind: unknown }).kind)}"`),
    );
  }
  return open(config as never, options);
}
