import { isKesError } from "@kes/core";
import { policyView } from "../admin/policies.js";
import type { VirtualClock } from "../clock.js";
import { isCmError } from "../cm-errors.js";
import type { FaultController } from "../faults/controller.js";
import { emptyResponse, jsonResponse } from "../http/responses.js";
import type { SimRequest, SimResponse } from "../http/types.js";
import type { LogFilter, RequestLog } from "../log/request-log.js";
import { applySettings, type SimSettings } from "../settings.js";
import type { SimState } from "../state/store.js";
import {
  ControlError,
  controlError,
  numberField,
  objectBody,
  optionalString,
  stringField,
} from "./input.js";

/** What the control plane drives: the same objects the in-process API exposes. */
export interface ControlTarget {
  readonly state: SimState;
  readonly settings: SimSettings;
  readonly clock: VirtualClock;
  readonly faults: FaultController;
  readonly log: RequestLog;
  reset(): void;
  issueRefreshToken(user: string, password: string, domain?: string): Promise<string>;
}

type Handler = (
  t: ControlTarget,
  req: SimRequest,
  params: Record<string, string>,
) => SimResponse | Promise<SimResponse>;

function stateSummary(t: ControlTarget): Record<string, unknown> {
  const { state } = t;
  return {
    domains: state.domains(),
    users: state.users().map((u) => ({
      id: u.id,
      username: u.username,
      enabled: u.enabled,
      groups: state.groupsOf(u.id),
    })),
    groups: state.groups().map((g) => ({ name: g.name, members: g.members })),
    policies: state.policies().map(policyView),
    attachments: state.attachments().map((a) => ({
      id: a.id,
      policy: a.policyId,
      principalSelector: a.rawSelector,
    })),
    secrets: Object.fromEntries(
      state
        .domains()
        .map((d) => [
          d,
          state.secrets(d).map((s) => ({ id: s.id, name: s.name, dataType: s.dataType })),
        ]),
    ),
    refreshTokens: state.refreshTokens().map((r) => ({
      id: r.id,
      userId: r.userId,
      domain: r.domain,
      revoked: r.revoked,
    })),
  };
}

function logFilter(query: URLSearchParams): LogFilter {
  const method = query.get("method");
  const path = query.get("path");
  const route = query.get("route");
  let pathRe: RegExp | undefined;
  if (path !== null) {
    try {
      pathRe = new RegExp(path);
    } catch {
      throw controlError("path must be a valid regular expression");
    }
  }
  return {
    ...(method === null ? {} : { method }),
    ...(pathRe === undefined ? {} : { path: pathRe }),
    ...(route === null ? {} : { route }),
  };
}

function revokeTokens(t: ControlTarget, req: SimRequest): SimResponse {
  const body = objectBody(req);
  const userId = optionalString(body, "userId");
  const filter = userId === undefined ? {} : { userId };
  const one = optionalString(body, "refreshToken");
  let refreshTokensRevoked = 0;
  if (one !== undefined) {
    if (!t.state.revokeRefreshToken(one)) throw controlError("no such refresh token", 404);
    refreshTokensRevoked = 1;
  } else if (body.refreshTokens === true) {
    refreshTokensRevoked = t.state.revokeRefreshTokens(filter);
  }
  const jwtsRevoked = body.jwts === true ? t.state.revokeJwts(filter) : 0;
  return jsonResponse(200, { jwtsRevoked, refreshTokensRevoked });
}

function expireTokens(t: ControlTarget, req: SimRequest): SimResponse {
  const body = objectBody(req);
  const one = optionalString(body, "refreshToken");
  if (one !== undefined && !t.state.expireRefreshToken(one)) {
    throw controlError("no such refresh token", 404);
  }
  const jwtsExpired = body.jwts === true ? t.state.expireJwts() : 0;
  return jsonResponse(200, { jwtsExpired, refreshTokenExpired: one !== undefined });
}

function advanceClock(t: ControlTarget, req: SimRequest): SimResponse {
  const body = objectBody(req);
  const ms =
    body.ms !== undefined
      ? numberField(body, "ms")
      : body.seconds !== undefined
        ? numberField(body, "seconds") * 1000
        : undefined;
  if (ms === undefined) throw controlError("give ms or seconds (a non-negative number)");
  t.clock.advance(ms);
  return jsonResponse(200, { now: t.clock.iso(), offsetMs: t.clock.offsetMs });
}

async function refreshToken(t: ControlTarget, req: SimRequest): Promise<SimResponse> {
  const body = objectBody(req);
  const domain = optionalString(body, "domain");
  const value = await t.issueRefreshToken(
    stringField(body, "username"),
    stringField(body, "password"),
    domain,
  );
  return jsonResponse(201, { refresh_token: value });
}

function seedSecret(t: ControlTarget, req: SimRequest): SimResponse {
  const body = objectBody(req);
  const domain = t.state.resolveDomain(optionalString(body, "domain"));
  if (domain === undefined) throw controlError("no such domain", 404);
  const dataType = optionalString(body, "dataType") ?? "seed";
  if (dataType !== "seed" && dataType !== "blob" && dataType !== "password") {
    throw controlError("dataType must be one of blob, password, seed");
  }
  const secret = t.state.addSecret(domain, {
    name: stringField(body, "name"),
    dataType,
    material: typeof body.material === "string" ? body.material : "",
  });
  return jsonResponse(201, { id: secret.id, name: secret.name, domain });
}

/** A handler that performs `effect` and answers 204. */
function doThen(effect: (t: ControlTarget) => void): Handler {
  return (t) => {
    effect(t);
    return emptyResponse(204);
  };
}

/** The control-plane table: simulator-only, unauthenticated, never logged or faulted. */
const CONTROL_ROUTES: readonly [string, RegExp, Handler][] = [
  ["GET", /^\/__sim\/health$/, () => jsonResponse(200, { ok: true })],
  ["POST", /^\/__sim\/reset$/, doThen((t) => t.reset())],
  ["GET", /^\/__sim\/state$/, (t) => jsonResponse(200, stateSummary(t))],
  ["GET", /^\/__sim\/settings$/, (t) => jsonResponse(200, t.settings)],
  [
    "PATCH",
    /^\/__sim\/settings$/,
    (t, req) => {
      applySettings(t.settings, objectBody(req));
      return jsonResponse(200, t.settings);
    },
  ],
  ["GET", /^\/__sim\/faults$/, (t) => jsonResponse(200, { faults: t.faults.list() })],
  [
    "POST",
    /^\/__sim\/faults$/,
    (t, req) => jsonResponse(201, { id: t.faults.add(objectBody(req) as never) }),
  ],
  ["DELETE", /^\/__sim\/faults$/, doThen((t) => t.faults.clear())],
  [
    "DELETE",
    /^\/__sim\/faults\/(?<id>[^/]+)$/,
    (t, _req, p) => {
      if (!t.faults.remove(p.id as string)) throw controlError("no such fault", 404);
      return emptyResponse(204);
    },
  ],
  [
    "GET",
    /^\/__sim\/clock$/,
    (t) => jsonResponse(200, { now: t.clock.iso(), offsetMs: t.clock.offsetMs }),
  ],
  ["POST", /^\/__sim\/clock\/advance$/, advanceClock],
  ["POST", /^\/__sim\/tokens\/revoke$/, revokeTokens],
  ["POST", /^\/__sim\/tokens\/expire$/, expireTokens],
  ["POST", /^\/__sim\/refresh-tokens$/, refreshToken],
  [
    "POST",
    /^\/__sim\/domains$/,
    (t, req) => {
      const name = stringField(objectBody(req), "name");
      t.state.addDomain(name);
      return jsonResponse(201, { name });
    },
  ],
  ["POST", /^\/__sim\/secrets$/, seedSecret],
  [
    "GET",
    /^\/__sim\/log$/,
    (t, req) => jsonResponse(200, { entries: t.log.entries(logFilter(req.query)) }),
  ],
  ["DELETE", /^\/__sim\/log$/, doThen((t) => t.log.clear())],
];

/** Serves one /__sim/* request. Errors are `{error}` JSON (CM-shaped for CM errors). */
export async function serveControl(target: ControlTarget, req: SimRequest): Promise<SimResponse> {
  const candidates = CONTROL_ROUTES.filter(([, re]) => re.test(req.path));
  const row = candidates.find(([method]) => method === req.method);
  try {
    if (row === undefined) {
      throw candidates.length > 0
        ? controlError(`method ${req.method} not allowed on ${req.path}`, 405)
        : controlError(`no control route ${req.path}`, 404);
    }
    const params = { ...(row[1].exec(req.path)?.groups ?? {}) };
    return await row[2](target, req, params);
  } catch (err) {
    if (isCmError(err)) return jsonResponse(err.status, err.toBody(req.requestId));
    if (err instanceof ControlError) return jsonResponse(err.status, { error: err.message });
    if (isKesError(err)) return jsonResponse(400, { error: err.message });
    if (err instanceof RangeError) return jsonResponse(400, { error: err.message });
    return jsonResponse(500, { error: "internal error" });
  }
}
