import type { CacheConfig } from "@kes/config";

/** KES's defaults (kes-api.md §7.2): `any` 5 min, `unused` 30 s. */
export const DEFAULT_CACHE_EXPIRY: CacheConfig["expiry"] = {
  any: 5 * 60_000,
  unused: 30_000,
  offline: 0,
};

interface Entry<V> {
  readonly value: V;
  /** Set on every hit, cleared by each `unused` tick (KES's "used" flag). */
  used: boolean;
}

interface Loading<V> {
  readonly promise: Promise<V>;
}

/**
 * The key cache of KES (kes-api.md §8.1): only successful loads are cached, keyed by name.
 *  - every `any` ms the whole cache is emptied (periodic, not a per-entry TTL);
 *  - every `unused` ms, entries not used since the previous tick are evicted, so an unused
 *    entry lives between one and two intervals;
 *  - concurrent misses for one name share one load (as KES 2024 does);
 *  - `evict` also detaches an in-flight load, so a key deleted meanwhile is not re-cached.
 * A value ≤ 0 means KES's default for that interval. Timers are unref'd; `close` stops them.
 */
export class KeyCache<V> {
  readonly #load: (name: string) => Promise<V>;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Loading<V>>();
  readonly #timers: NodeJS.Timeout[];
  readonly #stats: { hit(): void; miss(): void } | undefined;

  /** `stats` counts hits (peek or get found it) and misses (get had to load or join a load). */
  constructor(
    load: (name: string) => Promise<V>,
    expiry?: Partial<CacheConfig["expiry"]>,
    stats?: { hit(): void; miss(): void },
  ) {
    this.#load = load;
    this.#stats = stats;
    const any = positiveOr(expiry?.any, DEFAULT_CACHE_EXPIRY.any);
    const unused = positiveOr(expiry?.unused, DEFAULT_CACHE_EXPIRY.unused);
    this.#timers = [setInterval(() => this.clear(), any), setInterval(() => this.#sweep(), unused)];
    for (const timer of this.#timers) timer.unref();
  }

  /** The cached value, marking it used; undefined on a miss. Never waits. */
  peek(name: string): V | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;
    entry.used = true;
    this.#stats?.hit();
    return entry.value;
  }

  /** The cached value, or the result of one shared load. Failed loads are not cached. */
  get(name: string): Promise<V> {
    const hit = this.peek(name);
    if (hit !== undefined) return Promise.resolve(hit);
    // A miss is counted here, not in peek(): callers peek first and then get on a miss.
    this.#stats?.miss();
    const pending = this.#loading.get(name);
    if (pending !== undefined) return pending.promise;
    const loading: Loading<V> = {
      promise: this.#load(name).then(
        (value) => {
          // Only the load still registered may fill the cache: evict() detaches it.
          if (this.#loading.get(name) === loading) {
            this.#loading.delete(name);
            this.#entries.set(name, { value, used: true });
          }
          return value;
        },
        (err: unknown) => {
          if (this.#loading.get(name) === loading) this.#loading.delete(name);
          throw err;
        },
      ),
    };
    this.#loading.set(name, loading);
    return loading.promise;
  }

  evict(name: string): void {
    this.#entries.delete(name);
    this.#loading.delete(name);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#entries.clear();
    this.#loading.clear();
  }

  #sweep(): void {
    for (const [name, entry] of this.#entries) {
      if (entry.used) entry.used = false;
      else this.#entries.delete(name);
    }
  }
}

// Node turns longer intervals into 1 ms (with a warning), which would empty the cache nonstop.
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveOr(value: number | undefined, fallback: number): number {
  const ms = value !== undefined && value > 0 ? value : fallback;
  return Math.min(ms, MAX_TIMER_MS);
}
