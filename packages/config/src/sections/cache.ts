import type { ConfigNode } from "../node.js";
import type { CacheConfig } from "../types.js";

/** KES's defaults: 0 (or absent) means "use the default". */
export const CACHE_DEFAULTS = { any: 5 * 60_000, unused: 30_000, offline: 0 } as const;

/** `cache.expiry.{any,unused,offline}` as Go durations, in milliseconds. */
export function parseCache(node: ConfigNode): CacheConfig {
  const expiry = node.fields(["expiry"]).expiry.fields(["any", "unused", "offline"]);
  const offline = expiry.offline.duration() ?? 0;
  if (offline > 0) {
    expiry.offline.warn(
      "the offline cache is accepted but not implemented yet: cached keys are not kept " +
        "available while the keystore is unreachable",
    );
  }
  return {
    expiry: {
      any: expiry.any.duration() || CACHE_DEFAULTS.any,
      unused: expiry.unused.duration() || CACHE_DEFAULTS.unused,
      offline,
    },
  };
}
