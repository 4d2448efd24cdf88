import type { ConfigNode } from "../node.js";
import type { ApiConfig } from "../types.js";

/** `api.<path>.{skip_auth,timeout}` (KES 2023-04+). */
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
  if (Object.keys(api).length > 0) {
    node.warn(
      "per-API settings (skip_auth, timeout) are accepted but not applied by this server yet",
    );
  }
  return api;
}
