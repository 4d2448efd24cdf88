// grpc.health.v1.Health, so grpc_health_probe, Kubernetes, compose and KES itself can ask
// whether this keystore can serve: SERVING while the store is reachable, NOT_SERVING otherwise.
// "" names the server as a whole.

import { status } from "@grpc/grpc-js";
import { rpcError } from "./errors.mjs";

const KEYSTORE_SERVICE = "kes.keystore.v1.KeyStoreService";

export function healthService(store, { watchIntervalMs = 5_000 } = {}) {
  const known = (service) => service === "" || service === KEYSTORE_SERVICE;
  const current = async () => {
    const probe = await store.probe().catch(() => ({ reachable: false }));
    return probe.reachable ? "SERVING" : "NOT_SERVING";
  };
  // Open Watch streams, ended on shutdown so they do not hold the server open.
  const watches = new Set();

  const handlers = {
    Check(call, callback) {
      if (!known(call.request.service)) {
        callback(rpcError(status.NOT_FOUND, "unknown service"));
        return;
      }
      current().then((serving) => callback(null, { status: serving }));
    },

    // Sends the status now and again whenever it changes, until the caller goes away.
    Watch(call) {
      const service = call.request.service;
      let last;
      let ended = false;
      const tick = async () => {
        const next = known(service) ? await current() : "SERVICE_UNKNOWN";
        if (!ended && next !== last) {
          last = next;
          call.write({ status: next });
        }
      };
      const timer = setInterval(tick, watchIntervalMs);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(timer);
        watches.delete(end);
        if (!call.cancelled) call.end();
      };
      watches.add(end);
      call.on("cancelled", end);
      tick();
    },
  };

  return {
    handlers,
    stop() {
      for (const end of [...watches]) end();
    },
  };
}
