import type { Handler, Route } from "../http/types.js";
import { json } from "./policy.js";

/**
 * GET /v1/api: the route table in force, in KES 2023's shape (as recorded): the 2023 method,
 * the path as registered, max_body, timeout in whole seconds (0 = none) and verify_auth.
 * Generated from the table itself, with the config's api.<path> settings applied, so it cannot
 * drift from what the pipeline enforces.
 */
export const listApis: Handler = (ctx) => json(describeRoutes(ctx.services.routes));

export function describeRoutes(routes: readonly Route[]): object[] {
  return routes.map((route) => ({
    method: route.methods[0],
    path: route.path,
    max_body: route.maxBody,
    timeout: Math.floor(route.timeoutMs / 1000),
    verify_auth: route.auth === "policy",
  }));
}
