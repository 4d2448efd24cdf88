import { requireAdmin } from "../auth/authenticate.js";
import { cm } from "../cm-errors.js";
import { pageOf, readPage } from "../http/paging.js";
import { emptyResponse, field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import { type AuthedCall, bearerRoute, type Route } from "../http/router.js";
import type { UserRecord } from "../state/model.js";

export function userView(u: UserRecord): Record<string, unknown> {
  return {
    user_id: u.id,
    username: u.username,
    name: u.name,
    email: u.email,
    nickname: u.username,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    last_login: u.lastLogin,
    logins_count: u.loginsCount,
    app_metadata: {},
    user_metadata: {},
    failed_logins_count: 0,
    password_change_required: false,
    is_domain_user: false,
    enable_cert_auth: false,
    auth_domain_name: "root",
    login_flags: { prevent_ui_login: !u.enabled },
  };
}

function create(call: AuthedCall) {
  requireAdmin(call.principal);
  const body = jsonObjectBody(call.req);
  const name = field.optionalString(body, "name");
  const email = field.optionalString(body, "email");
  const user = call.app.state.createUser({
    username: field.string(body, "username"),
    password: field.string(body, "password"),
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email }),
  });
  return jsonResponse(201, userView(user));
}

function list(call: AuthedCall) {
  requireAdmin(call.principal);
  const username = call.req.query.get("username");
  const users = call.app.state.users().filter((u) => username === null || u.username === username);
  return jsonResponse(
    200,
    pageOf(users.map(userView), readPage(call.req.query, call.app.settings)),
  );
}

function get(call: AuthedCall) {
  requireAdmin(call.principal);
  const user = call.app.state.userById(call.params.id as string);
  if (user === undefined) throw cm.notFound();
  return jsonResponse(200, userView(user));
}

function remove(call: AuthedCall) {
  requireAdmin(call.principal);
  call.app.state.deleteUser(call.params.id as string);
  return emptyResponse(204);
}

const USERS = /^\/api\/v1\/usermgmt\/users\/?$/;
const USER = /^\/api\/v1\/usermgmt\/users\/(?<id>[^/]+)\/?$/;

export const userRoutes: readonly Route[] = [
  bearerRoute("POST", USERS, "users.create", create),
  bearerRoute("GET", USERS, "users.list", list),
  bearerRoute("GET", USER, "users.get", get),
  bearerRoute("DELETE", USER, "users.delete", remove),
];
