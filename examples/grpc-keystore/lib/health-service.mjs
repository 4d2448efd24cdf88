// grpc.health.v1.Health, so grpc_health_probe, Kubernetes and compose can ask
// whether this keystore can serve: SERVING while the store is reachable, NOT_SERVING otherwise.
// "" names the server as a whole. Only Check is implemented: probes poll it, and grpc-js
// answers Watch with UNIMPLEMENTED, which the health protocol tells clients to read as "not
// supported".

import { status } from "@grpc/grpc-js";
import { rpcError } from "./errors.mjs";

const KEYSTORE_SERVICE = "kes.keystore.v1.KeyStoreService";

export function healthHandlers(store) {
  return {
    Check(call, callback) {
      const service = call.request.service;
      if (service !== "" && service !== KEYSTORE_SERVICE) {
        callback(rpcError(status.NOT_FOUND, "unknown service"));
        return;
      }
      store.probe().then(
        (probe) => callback(null, { status: probe.reachable ? "SERVING" : "NOT_SERVING" }),
        () => callback(null, { status: "NOT_SERVING" }),
      );
    },
  };
}
