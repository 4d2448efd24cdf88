import { requireAdmin } from "../auth/authenticate.js";
import { pageOf, readPage } from "../http/paging.js";
import { field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import { type AuthedCall, bearerRoute, type Route } from "../http/router.js";

/**
 * An approximation of CM's domains API: a domain here is only a name that scopes secrets and
 * tokens (no domain admins, no per-domain users).
 */
function create(call: AuthedCall) {
  requireAdmin(call.principal);
  const name = field.string(jsonObjectBody(call.req), "name");
  call.app.state.addDomain(name);
  return jsonResponse(201, { name });
}

function list(call: AuthedCall) {
  requireAdmin(call.principal);
  const all = call.app.state.domains().map((name) => ({ name }));
  return jsonResponse(200, pageOf(all, readPage(call.req.query, call.app.settings)));
}

const DOMAINS = /^\/api\/v1\/domains\/?$/;

export const domainRoutes: readonly Route[] = [
  bearerRoute("POST", DOMAINS, "domains.create", create),
  bearerRoute("GET", DOMAINS, "domains.list", list),
];
