import { API_PATHS, findApiPath, withoutTrailingSlash } from "../api-paths.js";
import type { ConfigNode } from "../node.js";
import { closest } from "../suggest.js";
import type { ApiConfig } from "../types.js";

/** The paths as an operator writes them (without the trailing slash), for messages. */
const SHOWN_PATHS = API_PATHS.map(withoutTrailingSlash);

/**
 * `api.<path>.{skip_auth,timeout}` (KES 2023-04+). The gateway applies them (and warns about
 * skip_auth beyond the read-only APIs). A path that names no API is an error, like any other
 * misspelt key: `/v1/metricz: {skip_auth: true}` must not start a server that still asks
 * for a certificate on /v1/metrics.
 */
export function parseApi(node: ConfigNode): Record<string, ApiConfig> {
  const api: Record<string, ApiConfig> = {};
  for (const entry of node.entries()) {
    const path = entry.key;
    if (!path.startsWith("/")) {
      entry.fail(`'${path}' is not an API path: API paths start with '/', e.g. /v1/status`);
    }
    if (findApiPath(path) === undefined) {
      const hint = closest(withoutTrailingSlash(path), SHOWN_PATHS);
      entry.fail(
        `unknown API path${hint === undefined ? "" : `; did you mean '${hint}'?`}` +
          ` (the APIs: ${SHOWN_PATHS.join(", ")})`,
      );
    }
    const f = entry.fields(["skip_auth", "timeout"]);
    const skipAuth = f.skip_auth.onOff() ?? false;
    const timeoutMs = f.timeout.duration();
    api[path] = timeoutMs ? { skipAuth, timeoutMs } : { skipAuth };
  }
  return api;
}
