/**
 * The keystore contract suite against ANY running keystore service (ours, a plug-in in another
 * language, a CipherTrust-backed one), through our gRPC client. Skipped unless
 * KES_CONTRACT_ENDPOINT is set:
 *
 *   KES_CONTRACT_ENDPOINT=http://127.0.0.1:7001 \
 *     node --test services/keystore/dist/contract-external.e2e.test.js
 *
 * With TLS: KES_CONTRACT_ENDPOINT=https://..., KES_CONTRACT_CA, KES_CONTRACT_CERT and
 * KES_CONTRACT_KEY (PEM file paths). KES_CONTRACT_SLOW=1 for slow backends. The service's store
 * may hold other names: every test works under its own random prefix and deletes what it made.
 */
import { it } from "node:test";
import { keystoreContract } from "@kes/keystore-contract";
import { connectKeyStore, type KeyStoreClientTls } from "./grpc/client.js";

const env = process.env;
const endpoint = env.KES_CONTRACT_ENDPOINT;

function tlsFromEnv(): KeyStoreClientTls | undefined {
  const tls = {
    ...(env.KES_CONTRACT_CA ? { ca: env.KES_CONTRACT_CA } : {}),
    ...(env.KES_CONTRACT_CERT ? { cert: env.KES_CONTRACT_CERT } : {}),
    ...(env.KES_CONTRACT_KEY ? { key: env.KES_CONTRACT_KEY } : {}),
  };
  return Object.keys(tls).length === 0 ? undefined : tls;
}

if (endpoint === undefined || endpoint === "") {
  it("keystore contract against an external service", {
    skip: "set KES_CONTRACT_ENDPOINT",
  }, () => {});
} else {
  const tls = tlsFromEnv();
  const slow = env.KES_CONTRACT_SLOW === "1";
  const connect = () =>
    connectKeyStore({
      endpoint,
      ...(tls === undefined ? {} : { tls }),
      timeoutMs: slow ? 60_000 : 10_000,
    });
  keystoreContract(
    `external service at ${endpoint}`,
    async () => {
      const store = connect();
      return { store, reopen: async () => connect(), cleanup: () => store.close() };
    },
    { slow, shared: true, backend: env.KES_CONTRACT_BACKEND ?? null },
  );
}
