import type { ApiConfig } from "@kes/config";
import type { Route } from "./http/types.js";

/**
 * The config's `api.<path>` settings (KES 2023-04+, kes-api.md §5.4, §7.2) applied to the
 * route table, so the pipeline and /v1/api both see the result:
 *  - `timeout`: the route's deadline (not for the endless log streams, which have none);
 *  - `skip_auth`: no certificate or policy needed. Honoured, as in KES 2023-04…10, only for
 *    the read-only APIs that era documents; on a key API it would let anyone who can connect
 *    manage or use keys, so it is refused there with a warning.
 * A path may be given with or without its trailing slash.
 */
export const SKIP_AUTH_APIS: ReadonlySet<string> = new Set([
  "/v1/ready",
  "/v1/status",
  "/v1/metrics",
  "/v1/api",
]);

export interface AppliedApiSettings {
  readonly routes: readonly Route[];
  /** Operator-facing remarks (unknown paths, ignored settings), to be logged. */
  readonly warnings: readonly string[];
  /** Whether any route skips authentication (the TLS handshake then must not require a certificate). */
  readonly anySkipAuth: boolean;
}

export function applyApiSettings(
  routes: readonly Route[],
  api: Readonly<Record<string, ApiConfig>>,
): AppliedApiSettings {
  const byPath = new Map(routes.map((r) => [r.path, r]));
  const changed = new Map<string, Route>();
  const warnings: string[] = [];
  for (const [path, settings] of Object.entries(api)) {
    const route =
      byPath.get(path) ?? byPath.get(path.endsWith("/") ? path.slice(0, -1) : `${path}/`);
    if (route === undefined) {
      warnings.push(`api.${path}: no such API; the setting is ignored`);
      continue;
    }
    let next = changed.get(route.path) ?? route;
    if (settings.timeoutMs !== undefined && settings.timeoutMs > 0) {
      if (route.timeoutMs === 0)
        warnings.push(`api.${path}.timeout: ${route.path} is a stream without a timeout; ignored`);
      else next = { ...next, timeoutMs: settings.timeoutMs };
    }
    if (settings.skipAuth && route.auth === "policy") {
      if (SKIP_AUTH_APIS.has(route.path)) next = { ...next, auth: "none" };
      else
        warnings.push(
          `api.${path}.skip_auth: only ${[...SKIP_AUTH_APIS].join(", ")} may skip authentication; ignored`,
        );
    }
    changed.set(route.path, next);
  }
  const applied = routes.map((r) => changed.get(r.path) ?? r);
  return {
    routes: applied,
    warnings,
    anySkipAuth: applied.some((r, i) => r.auth === "none" && routes[i]?.auth === "policy"),
  };
}
