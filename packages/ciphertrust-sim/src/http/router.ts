import { authenticate, missingAuthorization } from "../auth/authenticate.js";
import { cm, isCmError } from "../cm-errors.js";
import { errorResponse, uiPage } from "./responses.js";
import type { AppContext, Principal, SimRequest, SimResponse } from "./types.js";

export interface PublicCall {
  readonly req: SimRequest;
  readonly app: AppContext;
  readonly params: Readonly<Record<string, string>>;
}

export interface AuthedCall extends PublicCall {
  readonly principal: Principal;
}

type Result = SimResponse | Promise<SimResponse>;

/** One row of the route table. */
export interface Route {
  readonly method: string;
  /** Anchored; named groups become (percent-decoded) params. */
  readonly path: RegExp;
  readonly name: string;
  readonly auth: "none" | "bearer";
  readonly run: (call: PublicCall) => Result;
}

export function publicRoute(
  method: string,
  path: RegExp,
  name: string,
  handle: (call: PublicCall) => Result,
): Route {
  return { method, path, name, auth: "none", run: handle };
}

export function bearerRoute(
  method: string,
  path: RegExp,
  name: string,
  handle: (call: AuthedCall) => Result,
): Route {
  return {
    method,
    path,
    name,
    auth: "bearer",
    run: (call) => {
      if (call.req.headers.authorization === undefined) return missingAuthorization();
      return handle({ ...call, principal: authenticate(call.req, call.app) });
    },
  };
}

function decodeParams(groups: Record<string, string> | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups ?? {})) {
    try {
      params[k] = decodeURIComponent(v);
    } catch {
      throw cm.badRequest(`malformed percent-encoding in the path`);
    }
  }
  return params;
}

/** What happened to a request, for the log and the caller of dispatch. */
export interface Dispatched {
  readonly response: SimResponse;
  readonly route: string | undefined;
  /** Set when a handler threw something unexpected (never sent to the client). */
  readonly failure?: unknown;
}

/**
 * Finds the route and runs it. Non-API paths are CM's web UI (GET answers 200 HTML, which is
 * what KES's status probe sees); unknown API paths are 404 and known paths with another
 * method 405, both as CM JSON errors.
 */
export async function dispatch(
  routes: readonly Route[],
  req: SimRequest,
  app: AppContext,
): Promise<Dispatched> {
  const candidates = routes.filter((r) => r.path.test(req.path));
  const route = candidates.find((r) => r.method === req.method);
  try {
    if (route === undefined) {
      if (!req.path.startsWith("/api/")) {
        const ok = req.method === "GET" || req.method === "HEAD";
        return { response: uiPage(ok ? 200 : 404), route: undefined };
      }
      throw candidates.length > 0 ? cm.methodNotAllowed() : cm.notFound();
    }
    const params = decodeParams(route.path.exec(req.path)?.groups);
    return { response: await route.run({ req, app, params }), route: route.name };
  } catch (err) {
    if (isCmError(err)) return { response: errorResponse(err, req.requestId), route: route?.name };
    return {
      response: errorResponse(cm.internal(), req.requestId),
      route: route?.name,
      failure: err,
    };
  }
}
