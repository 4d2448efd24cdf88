/**
 * The API paths the gateway serves, exactly as its route table (services/gateway/src/routes.ts,
 * ROUTES) spells them: a trailing `/` where the API takes an argument. `api.<path>` must name
 * one of them. The gateway depends on this package, so its table cannot be imported here;
 * test/src/config/api-paths.test.ts keeps the two lists equal.
 */
export const API_PATHS: readonly string[] = [
  "/version",
  "/v1/ready",
  "/v1/status",
  "/v1/metrics",
  "/v1/api",
  "/v1/key/create/",
  "/v1/key/import/",
  "/v1/key/describe/",
  "/v1/key/delete/",
  "/v1/key/list/",
  "/v1/key/generate/",
  "/v1/key/encrypt/",
  "/v1/key/decrypt/",
  "/v1/key/bulk/decrypt/",
  "/v1/key/hmac/",
  "/v1/policy/describe/",
  "/v1/policy/read/",
  "/v1/policy/list/",
  "/v1/identity/describe/",
  "/v1/identity/self/describe",
  "/v1/identity/list/",
  "/v1/log/error",
  "/v1/log/audit",
];

/** A path as written in the config, with or without the trailing slash (both are accepted). */
export function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** The API path a config entry names, or undefined when there is no such API. */
export function findApiPath(path: string): string | undefined {
  const wanted = withoutTrailingSlash(path);
  return API_PATHS.find((p) => withoutTrailingSlash(p) === wanted);
}
