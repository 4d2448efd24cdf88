import { randomUUID } from "node:crypto";
import { cm } from "../cm-errors.js";
import { pageOf, readPage } from "../http/paging.js";
import { emptyResponse, field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import {
  type AuthedCall,
  bearerRoute,
  type PublicCall,
  publicRoute,
  type Route,
} from "../http/router.js";
import type { AppContext } from "../http/types.js";
import type { RefreshTokenRecord, UserRecord } from "../state/model.js";
import { issueJwt } from "./issue.js";

const MINUTE_MS = 60_000;

export interface PasswordGrant {
  username: string;
  password: string;
  domain?: string;
  /** Mint a refresh token too (ksctl `--issue-rt`). */
  issueRefreshToken?: boolean;
  clientId?: string;
  /** Refresh-token lifetime and inactivity limit, minutes (ksctl `--rt-life`, `--rt-unused-life`). */
  refreshTokenLifetimeMinutes?: number;
  refreshTokenUnusedMinutes?: number;
}

function tokenResponse(
  app: AppContext,
  user: UserRecord,
  domain: string,
  clientId: string,
  rt: RefreshTokenRecord | undefined,
): Record<string, unknown> {
  const { jwt, duration } = issueJwt(app, user, domain, clientId, rt?.id ?? null);
  const body: Record<string, unknown> = {
    jwt,
    duration,
    token_type: "Bearer",
    client_id: clientId,
  };
  if (rt !== undefined) {
    body.refresh_token = rt.value;
    if (rt.expiresAt !== null) {
      body.refresh_token_expires_in = Math.max(
        0,
        Math.floor((rt.expiresAt - app.clock.now()) / 1000),
      );
    }
  }
  return body;
}

/** The password grant; also the in-process `issueRefreshToken`. Throws CM's 401 on bad login. */
export function passwordGrant(app: AppContext, grant: PasswordGrant): Record<string, unknown> {
  const user = app.state.checkPassword(grant.username, grant.password);
  if (user === undefined) throw cm.unauthorized("Wrong username or password.");
  const domain = app.state.resolveDomain(grant.domain);
  if (domain === undefined) throw cm.unauthorized("Invalid domain");
  app.state.recordLogin(user);
  const rt = grant.issueRefreshToken
    ? app.state.mintRefreshToken({
        userId: user.id,
        domain,
        ...(grant.clientId === undefined ? {} : { clientId: grant.clientId }),
        ...(grant.refreshTokenLifetimeMinutes === undefined
          ? {}
          : { lifetimeMs: grant.refreshTokenLifetimeMinutes * MINUTE_MS }),
        ...(grant.refreshTokenUnusedMinutes === undefined
          ? {}
          : { unusedLifeMs: grant.refreshTokenUnusedMinutes * MINUTE_MS }),
      })
    : undefined;
  return tokenResponse(app, user, domain, rt?.clientId ?? grant.clientId ?? randomUUID(), rt);
}

/** The refresh-token grant KES uses for every JWT. */
function refreshGrant(app: AppContext, body: Record<string, unknown>): Record<string, unknown> {
  const value = field.string(body, "refresh_token");
  const requested = field.optionalString(body, "domain") ?? "";
  const rt = app.state.refreshTokenByValue(value);
  if (rt === undefined) throw cm.unauthorized("Invalid token");
  const problem = app.state.refreshTokenProblem(rt);
  if (problem !== undefined) throw cm.unauthorized(problem);
  const user = app.state.userById(rt.userId);
  if (user === undefined || !user.enabled) throw cm.unauthorized("Invalid token");
  let domain = rt.domain;
  const wanted = requested === "" ? rt.domain : requested;
  if (wanted !== rt.domain) {
    // CM's behaviour here is unknown; the setting picks one.
    if (app.settings.refreshDomainMismatch === "reject") throw cm.unauthorized("Invalid domain");
    if (app.settings.refreshDomainMismatch === "accept") {
      const resolved = app.state.resolveDomain(wanted);
      if (resolved === undefined) throw cm.unauthorized("Invalid domain");
      domain = resolved;
    }
  }
  app.state.touchRefreshToken(rt);
  return tokenResponse(app, user, domain, rt.clientId, rt);
}

function createToken({ req, app }: PublicCall) {
  const body = jsonObjectBody(req);
  const grantType = body.grant_type;
  if (grantType === "refresh_token") return jsonResponse(200, refreshGrant(app, body));
  if (grantType === "password") {
    const lifetime = field.optionalNumber(body, "refresh_token_lifetime");
    const unused = field.optionalNumber(body, "refresh_token_revoke_unused_in");
    const domain = field.optionalString(body, "domain");
    const clientId = field.optionalString(body, "client_id");
    const grant: PasswordGrant = {
      username: field.string(body, "username"),
      password: field.string(body, "password"),
      issueRefreshToken: field.optionalBoolean(body, "renew_refresh_token") === true,
      ...(domain === undefined ? {} : { domain }),
      ...(clientId === undefined ? {} : { clientId }),
      ...(lifetime === undefined ? {} : { refreshTokenLifetimeMinutes: lifetime }),
      ...(unused === undefined ? {} : { refreshTokenUnusedMinutes: unused }),
    };
    return jsonResponse(200, passwordGrant(app, grant));
  }
  throw cm.invalidParam("grant_type must be one of password, refresh_token");
}

function refreshTokenView(t: RefreshTokenRecord): Record<string, unknown> {
  return {
    id: t.id,
    client_id: t.clientId,
    user_id: t.userId,
    domain: t.domain,
    created_at: new Date(t.issuedAt).toISOString(),
    expires_at: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
    last_used_at: new Date(t.lastUsed).toISOString(),
    revoked: t.revoked,
  };
}

function visibleTokens({ app, principal }: AuthedCall): RefreshTokenRecord[] {
  return app.state
    .refreshTokens()
    .filter((t) => principal.isAdmin || t.userId === principal.user.id);
}

/**
 * Approximations: CM's REST paths for listing and revoking refresh tokens are not public.
 * We list them at GET /api/v1/auth/tokens and revoke one with DELETE /api/v1/auth/tokens/{id}.
 */
function listTokens(call: AuthedCall) {
  const page = readPage(call.req.query, call.app.settings);
  return jsonResponse(200, pageOf(visibleTokens(call).map(refreshTokenView), page));
}

function revokeToken(call: AuthedCall) {
  const id = call.params.id as string;
  const token = visibleTokens(call).find((t) => t.id === id);
  if (token === undefined) throw cm.notFound();
  call.app.state.revokeRefreshToken(token.id);
  return emptyResponse(204);
}

export const authRoutes: readonly Route[] = [
  publicRoute("POST", /^\/api\/v1\/auth\/tokens\/?$/, "auth.tokens.create", createToken),
  bearerRoute("GET", /^\/api\/v1\/auth\/tokens\/?$/, "auth.tokens.list", listTokens),
  bearerRoute(
    "DELETE",
    /^\/api\/v1\/auth\/tokens\/(?<id>[^/]+)\/?$/,
    "auth.tokens.revoke",
    revokeToken,
  ),
];
