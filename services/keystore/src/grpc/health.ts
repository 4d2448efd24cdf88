import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { KeyStore, Logger } from "@kes/core";
import {
  type Health,
  KeyStoreService,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@kes/proto";

/** How often a Watch stream re-checks the backend. */
export const DEFAULT_HEALTH_INTERVAL_MS = 5_000;

/**
 * grpc.health.v1.Health, so grpc_health_probe, Kubernetes and compose can probe the service:
 * SERVING while the backend is reachable, NOT_SERVING once the server drains. "" names the
 * server as a whole.
 */
export function healthImpl(
  store: KeyStore,
  log: Logger,
  options: { intervalMs: number; stopping: AbortSignal },
): ServiceImpl<typeof Health> {
  const known = (service: string) => service === "" || service === KeyStoreService.typeName;

  async function current(signal: AbortSignal): Promise<ServingStatus> {
    try {
      const status = await store.status({ signal });
      return status.reachable ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    } catch (err) {
      log.warn({ err }, "health: keystore status failed");
      return ServingStatus.NOT_SERVING;
    }
  }

  return {
    async check(req, ctx) {
      if (!known(req.service))
        throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      // A draining server takes no new work: probes must send traffic elsewhere.
      if (options.stopping.aborted) return { status: ServingStatus.NOT_SERVING };
      return { status: await current(ctx.signal) };
    },
    async *watch(req, ctx) {
      // Ends when the caller goes away or the server shuts down, whichever comes first.
      const done = AbortSignal.any([ctx.signal, options.stopping]);
      if (!known(req.service)) {
        yield { status: ServingStatus.SERVICE_UNKNOWN };
        await sleep(Number.POSITIVE_INFINITY, done);
        return;
      }
      let last = await current(done);
      yield { status: last };
      while (await sleep(options.intervalMs, done)) {
        const next = await current(done);
        if (done.aborted) break;
        if (next !== last) {
          last = next;
          yield { status: next };
        }
      }
      // The server is going away: say so before the stream ends.
      if (options.stopping.aborted && !ctx.signal.aborted && last !== ServingStatus.NOT_SERVING) {
        yield { status: ServingStatus.NOT_SERVING };
      }
    },
  };
}

/** Resolves true after `ms`, or false as soon as `signal` fires. Never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      if (timer !== undefined) clearTimeout(timer);
      resolve(false);
    };
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal.removeEventListener("abort", onAbort);
          resolve(true);
        }, ms)
      : undefined;
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
