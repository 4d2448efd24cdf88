export { formatAddress, type ListenAddress, parseAddress } from "./address.js";
export { type AppliedApiSettings, applyApiSettings, SKIP_AUTH_APIS } from "./api-settings.js";
export {
  type AuditEvent,
  EventBus,
  type EventSource,
  type LogStreams,
  type Subscriber,
} from "./events/streams.js";
export { describeRoutes } from "./handlers/api.js";
export { errorReply, HttpError } from "./http/errors.js";
export { createRouteTable, type RouteTable } from "./http/route-table.js";
export type {
  ArgumentKind,
  AuthMode,
  Handler,
  HttpMethod,
  Observe,
  Reply,
  RequestContext,
  Route,
  Services,
  VersionInfo,
} from "./http/types.js";
export { type ListPattern, listPattern } from "./list-pattern.js";
export { type ExpositionFormat, negotiate, render } from "./metrics/exposition.js";
export {
  createMetricsRegistry,
  type GatewayMetrics,
  RESPONSE_TIME_BUCKETS,
} from "./metrics/gateway-metrics.js";
export { compilePolicies, type Policies, type PolicyInfo } from "./policy.js";
export { API_TIMEOUT_MS, MAX_BODY, ROUTES } from "./routes.js";
export {
  type ConnectionTimeouts,
  DEFAULT_TIMEOUTS,
  type Gateway,
  type GatewayOptions,
  startGateway,
} from "./server.js";
export { loadServerTls, type ServerTls } from "./tls.js";
