import { requireAdmin } from "../auth/authenticate.js";
import { cm } from "../cm-errors.js";
import { pageOf, readPage } from "../http/paging.js";
import { emptyResponse, field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import { type AuthedCall, bearerRoute, type Route } from "../http/router.js";
import type { AttachmentRecord, PrincipalSelector } from "../state/model.js";
import { ACCOUNT, attachmentUri } from "../state/uris.js";

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw cm.invalidParam(`principalSelector.${what} must be a string or an array of strings`);
}

/**
 * CM selects principals by JWT claims. We support the two selectors the KES setup needs:
 * `{"cust": {"groups": [...]}}` and `{"sub": [...]}` (user ids).
 */
export function parseSelector(value: unknown): PrincipalSelector {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw cm.invalidParam("principalSelector is required and must be a JSON object");
  }
  const sel = value as Record<string, unknown>;
  let groups: string[] = [];
  if (sel.cust !== undefined) {
    if (typeof sel.cust !== "object" || sel.cust === null || Array.isArray(sel.cust)) {
      throw cm.invalidParam("principalSelector.cust must be a JSON object");
    }
    groups = stringList((sel.cust as Record<string, unknown>).groups, "cust.groups");
  }
  const users = stringList(sel.sub, "sub");
  if (groups.length === 0 && users.length === 0) {
    throw cm.invalidParam("principalSelector must name at least one of cust.groups or sub");
  }
  return { groups, users };
}

function view(a: AttachmentRecord): Record<string, unknown> {
  return {
    id: a.id,
    uri: attachmentUri(a.id),
    account: ACCOUNT,
    createdAt: a.createdAt,
    policy: a.policyId,
    principalSelector: a.rawSelector,
  };
}

function create(call: AuthedCall) {
  requireAdmin(call.principal);
  const body = jsonObjectBody(call.req);
  const policy = field.string(body, "policy");
  const selector = parseSelector(body.principalSelector);
  return jsonResponse(201, view(call.app.state.attach(policy, selector, body.principalSelector)));
}

function list(call: AuthedCall) {
  requireAdmin(call.principal);
  const all = call.app.state.attachments().map(view);
  return jsonResponse(200, pageOf(all, readPage(call.req.query, call.app.settings)));
}

function get(call: AuthedCall) {
  requireAdmin(call.principal);
  const a = call.app.state.attachments().find((x) => x.id === call.params.id);
  if (a === undefined) throw cm.notFound();
  return jsonResponse(200, view(a));
}

function remove(call: AuthedCall) {
  requireAdmin(call.principal);
  call.app.state.detach(call.params.id as string);
  return emptyResponse(204);
}

const ATTACHMENTS = /^\/api\/v1\/admin\/policy-attachments\/?$/;
const ATTACHMENT = /^\/api\/v1\/admin\/policy-attachments\/(?<id>[^/]+)\/?$/;

export const attachmentRoutes: readonly Route[] = [
  bearerRoute("POST", ATTACHMENTS, "attachments.create", create),
  bearerRoute("GET", ATTACHMENTS, "attachments.list", list),
  bearerRoute("GET", ATTACHMENT, "attachments.get", get),
  bearerRoute("DELETE", ATTACHMENT, "attachments.delete", remove),
];
