import { requireAdmin } from "../auth/authenticate.js";
import { cm } from "../cm-errors.js";
import { pageOf, readPage } from "../http/paging.js";
import { emptyResponse, field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import { type AuthedCall, bearerRoute, type Route } from "../http/router.js";
import type { PolicyRecord } from "../state/model.js";
import { ACCOUNT, APPLICATION, DEV_ACCOUNT, policyUri } from "../state/uris.js";

export function policyView(p: PolicyRecord): Record<string, unknown> {
  return {
    id: p.id,
    uri: policyUri(p.name),
    account: ACCOUNT,
    application: APPLICATION,
    devAccount: DEV_ACCOUNT,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    name: p.name,
    actions: p.actions,
    resources: p.resources,
    allow: p.allow,
    effect: p.allow ? "allow" : "deny",
    conditions: p.conditions,
    include_descendant_accounts: false,
  };
}

/** `allow: bool` or `effect: "allow"|"deny"`; one of them is required. */
function readAllow(body: Record<string, unknown>, required: boolean): boolean | undefined {
  const allow = field.optionalBoolean(body, "allow");
  if (allow !== undefined) return allow;
  const effect = body.effect;
  if (effect === "allow") return true;
  if (effect === "deny") return false;
  if (effect !== undefined) throw cm.invalidParam('effect must be "allow" or "deny"');
  if (required) throw cm.invalidParam('allow (true/false) or effect ("allow"/"deny") is required');
  return undefined;
}

function readConditions(body: Record<string, unknown>): unknown[] | undefined {
  const c = body.conditions;
  if (c === undefined || c === null) return undefined;
  if (!Array.isArray(c)) throw cm.invalidParam("conditions must be an array");
  return c;
}

function create(call: AuthedCall) {
  requireAdmin(call.principal);
  const body = jsonObjectBody(call.req);
  const conditions = readConditions(body);
  const policy = call.app.state.createPolicy({
    name: field.string(body, "name"),
    allow: readAllow(body, true) as boolean,
    actions: field.stringArray(body, "actions"),
    resources: field.stringArray(body, "resources"),
    ...(conditions === undefined ? {} : { conditions }),
  });
  return jsonResponse(201, policyView(policy));
}

function update(call: AuthedCall) {
  requireAdmin(call.principal);
  const body = jsonObjectBody(call.req);
  const allow = readAllow(body, false);
  const conditions = readConditions(body);
  const policy = call.app.state.updatePolicy(call.params.id as string, {
    ...(allow === undefined ? {} : { allow }),
    ...(body.actions === undefined ? {} : { actions: field.stringArray(body, "actions") }),
    ...(body.resources === undefined ? {} : { resources: field.stringArray(body, "resources") }),
    ...(conditions === undefined ? {} : { conditions }),
  });
  return jsonResponse(200, policyView(policy));
}

function list(call: AuthedCall) {
  requireAdmin(call.principal);
  const name = call.req.query.get("name");
  const policies = call.app.state.policies().filter((p) => name === null || p.name === name);
  return jsonResponse(
    200,
    pageOf(policies.map(policyView), readPage(call.req.query, call.app.settings)),
  );
}

function get(call: AuthedCall) {
  requireAdmin(call.principal);
  const policy = call.app.state.policy(call.params.id as string);
  if (policy === undefined) throw cm.notFound();
  return jsonResponse(200, policyView(policy));
}

function remove(call: AuthedCall) {
  requireAdmin(call.principal);
  call.app.state.deletePolicy(call.params.id as string);
  return emptyResponse(204);
}

const POLICIES = /^\/api\/v1\/admin\/policies\/?$/;
const POLICY = /^\/api\/v1\/admin\/policies\/(?<id>[^/]+)\/?$/;

export const policyRoutes: readonly Route[] = [
  bearerRoute("POST", POLICIES, "policies.create", create),
  bearerRoute("GET", POLICIES, "policies.list", list),
  bearerRoute("GET", POLICY, "policies.get", get),
  bearerRoute("PATCH", POLICY, "policies.update", update),
  bearerRoute("DELETE", POLICY, "policies.delete", remove),
];
