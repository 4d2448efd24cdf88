import { Counter, type Registry } from "prom-client";

/**
 * The crypto service's own metrics, under our `kes_ts_` prefix so they cannot collide with
 * KES's families: key-cache hits and misses. (Its keystore calls are counted by the keystore
 * wrapper, @kes/keystore-service's instrumentKeyStore.)
 */
export interface CacheStats {
  hit(): void;
  miss(): void;
}

export function createCacheStats(registry: Registry): CacheStats {
  const hits = reuse(
    registry,
    "kes_ts_crypto_cache_hits_total",
    () =>
      new Counter({
        name: "kes_ts_crypto_cache_hits_total",
        help: "Key lookups answered from the crypto service's key cache.",
        registers: [registry],
      }),
  );
  const misses = reuse(
    registry,
    "kes_ts_crypto_cache_misses_total",
    () =>
      new Counter({
        name: "kes_ts_crypto_cache_misses_total",
        help: "Key lookups that had to wait for the keystore (a load started or joined).",
        registers: [registry],
      }),
  );
  return { hit: () => hits.inc(), miss: () => misses.inc() };
}

/** The registered metric of that name, or a new one: several services may share a registry. */
function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
