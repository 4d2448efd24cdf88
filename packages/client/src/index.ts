export {
  type CallOptions,
  createKesClient,
  type KesClient,
  type KesClientOptions,
  type RawRequest,
  type RawResponse,
  type StreamOptions,
} from "./client.js";
export { apiPath, normalizeEndpoint, parseEndpoints } from "./endpoints.js";
export {
  KesApiError,
  KesNetworkError,
  KesProtocolError,
  kindOfApiError,
  type NetworkFailure,
} from "./errors.js";
export { latencyQuantile } from "./metrics.js";
export {
  type MetricFamily,
  type MetricType,
  PrometheusParseError,
  parsePrometheusText,
  type Sample,
} from "./prometheus.js";
export { READ_BROKEN } from "./response.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export type { HttpMethod } from "./transport.js";
export type * from "./types.js";
export { decodeBase64, encodeBase64 } from "./wire.js";
