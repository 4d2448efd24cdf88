import { requireAdmin } from "../auth/authenticate.js";
import { cm } from "../cm-errors.js";
import { pageOf, readPage } from "../http/paging.js";
import { emptyResponse, field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import { type AuthedCall, bearerRoute, type Route } from "../http/router.js";
import { ADMIN_GROUP, type GroupRecord } from "../state/model.js";

export function groupView(g: GroupRecord): Record<string, unknown> {
  return {
    name: g.name,
    description: g.description,
    created_at: g.createdAt,
    updated_at: g.updatedAt,
    users_count: g.members.length,
    app_metadata: {},
    client_metadata: {},
    user_metadata: {},
  };
}

function create(call: AuthedCall) {
  requireAdmin(call.principal);
  const body = jsonObjectBody(call.req);
  const description = field.optionalString(body, "description");
  const group = call.app.state.createGroup({
    name: field.string(body, "name"),
    ...(description === undefined ? {} : { description }),
  });
  return jsonResponse(201, groupView(group));
}

function list(call: AuthedCall) {
  requireAdmin(call.principal);
  const name = call.req.query.get("name");
  const groups = call.app.state.groups().filter((g) => name === null || g.name === name);
  return jsonResponse(
    200,
    pageOf(groups.map(groupView), readPage(call.req.query, call.app.settings)),
  );
}

function get(call: AuthedCall) {
  requireAdmin(call.principal);
  const group = call.app.state.group(call.params.group as string);
  if (group === undefined) throw cm.notFound();
  return jsonResponse(200, groupView(group));
}

function remove(call: AuthedCall) {
  requireAdmin(call.principal);
  if (call.params.group === ADMIN_GROUP) throw cm.forbidden("the admin group cannot be deleted");
  call.app.state.deleteGroup(call.params.group as string);
  return emptyResponse(204);
}

function addUser(call: AuthedCall) {
  requireAdmin(call.principal);
  const group = call.app.state.addMember(call.params.group as string, call.params.user as string);
  return jsonResponse(200, groupView(group));
}

function removeUser(call: AuthedCall) {
  requireAdmin(call.principal);
  call.app.state.removeMember(call.params.group as string, call.params.user as string);
  return emptyResponse(204);
}

const GROUPS = /^\/api\/v1\/usermgmt\/groups\/?$/;
const GROUP = /^\/api\/v1\/usermgmt\/groups\/(?<group>[^/]+)\/?$/;
const MEMBER = /^\/api\/v1\/usermgmt\/groups\/(?<group>[^/]+)\/users\/(?<user>[^/]+)\/?$/;

export const groupRoutes: readonly Route[] = [
  bearerRoute("POST", GROUPS, "groups.create", create),
  bearerRoute("GET", GROUPS, "groups.list", list),
  bearerRoute("GET", GROUP, "groups.get", get),
  bearerRoute("DELETE", GROUP, "groups.delete", remove),
  bearerRoute("POST", MEMBER, "groups.users.add", addUser),
  bearerRoute("DELETE", MEMBER, "groups.users.remove", removeUser),
];
