import { create } from "@bufbuild/protobuf";
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerWritableStream,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { CryptoApi, Logger } from "@kes/core";
import {
  CryptoService,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@kes/proto";

/** How often Watch streams re-check; how long one keystore probe may take. */
export const DEFAULT_HEALTH_INTERVAL_MS = 5_000;
const PROBE_TIMEOUT_MS = 3_000;

// Health answers for the server as a whole ("") and for the service by its full name.
const KNOWN_SERVICES = new Set(["", CryptoService.typeName]);

const response = (s: ServingStatus) => create(HealthCheckResponseSchema, { status: s });

export interface CryptoHealth {
  readonly handlers: UntypedServiceImplementation;
  /** The server drains: NOT_SERVING from now on, and Watch streams say so and end. */
  drain(): void;
}

/**
 * grpc.health.v1.Health for the crypto service: SERVING while its keystore answers (without
 * the keystore only cached keys work, so load balancers and compose should look elsewhere),
 * NOT_SERVING once the server drains.
 */
export function cryptoHealth(
  api: CryptoApi,
  logger: Logger,
  intervalMs = DEFAULT_HEALTH_INTERVAL_MS,
): CryptoHealth {
  let draining = false;
  type Watcher = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;
  const watchers = new Set<Watcher>();
  const unknown = new Set<Watcher>();

  async function current(): Promise<ServingStatus> {
    if (draining) return ServingStatus.NOT_SERVING;
    try {
      const keystore = await api.keyStoreStatus({ timeoutMs: PROBE_TIMEOUT_MS });
      return keystore.reachable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    } catch (err) {
      logger.warn({ err }, "health: keystore status failed");
      return ServingStatus.NOT_SERVING;
    }
  }

  const check: handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (call, callback) => {
    if (!KNOWN_SERVICES.has(call.request.service)) {
      callback({ code: status.NOT_FOUND, details: "unknown service" });
      return;
    }
    current().then((s) => callback(null, response(s)));
  };

  // Watch sends the current status, then every change, until the caller or the server leaves.
  const watch: handleServerStreamingCall<HealthCheckRequest, HealthCheckResponse> = (call) => {
    if (!KNOWN_SERVICES.has(call.request.service)) {
      call.write(response(ServingStatus.SERVICE_UNKNOWN));
      unknown.add(call);
      call.on("cancelled", () => unknown.delete(call));
      return;
    }
    let last: ServingStatus | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      watchers.delete(call);
    };
    const tick = async () => {
      const next = await current();
      if (!watchers.has(call)) return;
      if (next !== last) {
        last = next;
        call.write(response(next));
      }
      timer = setTimeout(tick, intervalMs).unref();
    };
    watchers.add(call);
    call.on("cancelled", stop);
    call.on("close", stop);
    void tick();
  };

  return {
    handlers: { check, watch },
    drain() {
      draining = true;
      for (const watcher of watchers) {
        watcher.write(response(ServingStatus.NOT_SERVING));
        watcher.end();
      }
      for (const watcher of unknown) watcher.end();
      watchers.clear();
      unknown.clear();
    },
  };
}
