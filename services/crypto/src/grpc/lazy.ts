import type { CryptoApi } from "@kes/core";
import { cryptoAddresses } from "./addresses.js";
import type { ConnectCryptoOptions } from "./client.js";
import type { CheckHealthOptions, HealthStatus } from "./health-client.js";
import type { CryptoServer, ServeCryptoOptions } from "./server.js";
import { loadTls } from "./tls.js";

/**
 * The package's gRPC entry points, loading grpc-js only when one is used: `kes server` runs the
 * crypto service in-process and never needs it (a tenth of its startup otherwise). The
 * modules behind them are ./client.js, ./server.js and ./health-client.js.
 */

export type {
  CheckHealthOptions,
  ConnectCryptoOptions,
  CryptoServer,
  HealthStatus,
  ServeCryptoOptions,
};

/** Serves `api` as kes.crypto.v1.CryptoService plus grpc.health.v1.Health (see ./server.js). */
export async function serveCrypto(
  api: CryptoApi,
  options: ServeCryptoOptions = {},
): Promise<CryptoServer> {
  const { serveCrypto: serve } = await import("./server.js");
  return serve(api, options);
}

/** Asks a grpc.health.v1 server (see ./health-client.js). */
export async function checkHealth(options: CheckHealthOptions): Promise<HealthStatus> {
  const { checkHealth: check } = await import("./health-client.js");
  return check(options);
}

type Method = Exclude<keyof CryptoApi, "close">;

/**
 * A CryptoApi over gRPC (see ./client.js). Bad addresses and unreadable TLS files fail here
 * and now, as before; the client itself is made once its module has loaded (started at once,
 * so the first call rarely waits for it).
 */
export function connectCrypto(options: ConnectCryptoOptions): CryptoApi {
  cryptoAddresses(options.address);
  if (options.tls !== undefined) loadTls(options.tls);
  let client: CryptoApi | undefined;
  const loading = import("./client.js").then((m) => {
    client = m.connectCrypto(options);
    return client;
  });
  loading.catch(() => {}); // surfaces on the first call
  const method = <M extends Method>(name: M): CryptoApi[M] =>
    ((...args: unknown[]) => {
      const call = (c: CryptoApi) => (c[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      return client !== undefined ? call(client) : loading.then(call);
    }) as CryptoApi[M];
  return {
    createKey: method("createKey"),
    importKey: method("importKey"),
    describeKey: method("describeKey"),
    deleteKey: method("deleteKey"),
    listKeys: method("listKeys"),
    generate: method("generate"),
    encrypt: method("encrypt"),
    decrypt: method("decrypt"),
    bulkDecrypt: method("bulkDecrypt"),
    hmac: method("hmac"),
    keyStoreStatus: method("keyStoreStatus"),
    close: async () => {
      const c = await loading.catch(() => undefined);
      await c?.close();
    },
  };
}
