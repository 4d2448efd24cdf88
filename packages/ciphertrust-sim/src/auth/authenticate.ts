import { cm } from "../cm-errors.js";
import { textResponse } from "../http/responses.js";
import type { AppContext, Principal, SimRequest, SimResponse } from "../http/types.js";
import { ADMIN_GROUP } from "../state/model.js";
import { verifyJwt } from "./jwt.js";

/**
 * CM answers a request without an Authorization header with a 401 whose body is not JSON
 * (KES's error parser has a branch for exactly this).
 */
export function missingAuthorization(): SimResponse {
  return textResponse(
    401,
    "Unauthorized: no token found in the request\n",
    "text/plain; charset=utf-8",
  );
}

/** Resolves the bearer JWT of a request to a principal, or throws CM's 401. */
export function authenticate(req: SimRequest, app: AppContext): Principal {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw cm.unauthorized("Invalid token");
  const claims = verifyJwt(match[1] as string, Buffer.from(app.state.data.signingKey, "base64"));
  if (claims === undefined) throw cm.unauthorized("Invalid token");
  const record = app.state.jwt(claims.jwtid);
  if (record === undefined) throw cm.unauthorized("Invalid token");
  if (record.revoked) throw cm.unauthorized("Token has been revoked");
  if (app.clock.now() >= record.exp) throw cm.unauthorized("Token is expired");
  const user = app.state.userById(record.userId);
  if (user === undefined || !user.enabled) throw cm.unauthorized("Invalid token");
  if (!app.state.domains().includes(record.domain)) throw cm.unauthorized("Invalid token");
  const groups = app.settings.groupsFrom === "token" ? record.groups : app.state.groupsOf(user.id);
  return {
    user,
    domain: record.domain,
    groups,
    isAdmin: groups.includes(ADMIN_GROUP),
    jwtId: record.id,
  };
}

/** Admin-plane routes are for members of the admin group only (a simplification of CM). */
export function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw cm.forbidden("admin rights required");
}
