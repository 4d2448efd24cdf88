import type { ConfigNode } from "../node.js";
import type { ApiConfig } from "../types.js";

/**
 * `api.<path>.{skip_auth,timeout}` (KES 2023-04+). The gateway applies them (and warns about
 * paths it does not serve, and skip_auth beyond the read-only APIs).
 */
export function parseApi(node: ConfigNode): Record<string, ApiConfig> {
  const api: Record<string, ApiConfig> = {};
  for (const entry of node.entries()) {
    const path = entry.key;
    if (!path.startsWith("/")) {
      entry.fail(`'${path}' is not an API path: API paths start with '/', e.g. /v1/status`);
    }
    const f = entry.fields(["skip_auth", "timeout"]);
    const skipAuth = f.skip_auth.onOff() ?? false;
    const timeoutMs = f.timeout.duration();
    api[path] = timeoutMs ? { skipAuth, timeoutMs } : { skipAuth };
  }
  return api;
}
