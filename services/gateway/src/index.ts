export { formatAddress, type ListenAddress, parseAddress } from "./address.js";
export { errorReply, HttpError } from "./http/errors.js";
export { createRouteTable, type RouteTable } from "./http/route-table.js";
export type {
  ArgumentKind,
  AuthMode,
  Handler,
  HttpMethod,
  Reply,
  RequestContext,
  Route,
  Services,
  VersionInfo,
} from "./http/types.js";
export { compilePolicies, type Policies, type PolicyInfo } from "./policy.js";
export { API_TIMEOUT_MS, MAX_BODY, ROUTES } from "./routes.js";
export { type Gateway, type GatewayOptions, startGateway } from "./server.js";
export { loadServerTls, type ServerTls } from "./tls.js";
