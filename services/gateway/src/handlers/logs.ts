import type { Handler } from "../http/types.js";

/**
 * GET /v1/log/audit and /v1/log/error: 200 nd-json at once, then one line per event until the
 * client goes away (the pipeline's event sender drops a client that stops reading).
 */
export const auditLog: Handler = (ctx) => ({ type: "events", source: ctx.services.streams.audit });

export const errorLog: Handler = (ctx) => ({ type: "events", source: ctx.services.streams.error });
