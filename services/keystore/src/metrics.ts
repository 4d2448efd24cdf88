import { isKesError, type KeyStore } from "@kes/core";
import { Counter, Histogram, type Registry } from "prom-client";

/**
 * Keystore metrics, under our own `kes_ts_` prefix (KES has none): every call by operation and
 * backend, its duration, and the calls that failed. A get of a missing key or a create of an
 * existing one is an answer, not a failure. Wrap the store once, where it is used (the crypto
 * service's keystore, in process or over gRPC); children are bound once per operation.
 */

type Op = "create" | "get" | "delete" | "list" | "status";
const OPS: readonly Op[] = ["create", "get", "delete", "list", "status"];

export function instrumentKeyStore(store: KeyStore, registry: Registry): KeyStore {
  const calls = reuse(
    registry,
    "kes_ts_keystore_calls_total",
    () =>
      new Counter({
        name: "kes_ts_keystore_calls_total",
        help: "Keystore calls, by operation and backend.",
        labelNames: ["op", "backend"],
        registers: [registry],
      }),
  );
  const failures = reuse(
    registry,
    "kes_ts_keystore_errors_total",
    () =>
      new Counter({
        name: "kes_ts_keystore_errors_total",
        help: "Keystore calls that failed (not 'key does not exist' or 'key already exists'), by operation and backend.",
        labelNames: ["op", "backend"],
        registers: [registry],
      }),
  );
  const durations = reuse(
    registry,
    "kes_ts_keystore_call_duration_seconds",
    () =>
      new Histogram({
        name: "kes_ts_keystore_call_duration_seconds",
        help: "Seconds per keystore call, by operation and backend.",
        labelNames: ["op", "backend"],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  );
  const bound = new Map(
    OPS.map((op) => {
      const labels = { op, backend: store.kind };
      return [
        op,
        {
          call: calls.labels(labels),
          failure: failures.labels(labels),
          time: durations.labels(labels),
        },
      ];
    }),
  );
  const timed =
    <A extends unknown[], R>(op: Op, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const m = bound.get(op) as NonNullable<ReturnType<typeof bound.get>>;
      m.call.inc();
      const started = performance.now();
      try {
        return await call(...args);
      } catch (err) {
        if (!isKesError(err, "key_not_found") && !isKesError(err, "key_exists")) m.failure.inc();
        throw err;
      } finally {
        m.time.observe((performance.now() - started) / 1000);
      }
    };
  return {
    kind: store.kind,
    endpoint: store.endpoint,
    create: timed("create", store.create.bind(store)),
    get: timed("get", store.get.bind(store)),
    delete: timed("delete", store.delete.bind(store)),
    list: timed("list", store.list.bind(store)),
    status: timed("status", store.status.bind(store)),
    close: () => store.close(),
  };
}

/** The registered metric of that name, or a new one: several stores may share a registry. */
function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
