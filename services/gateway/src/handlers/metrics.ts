import type { Handler } from "../http/types.js";
import { negotiate, render } from "../metrics/exposition.js";

/** GET /v1/metrics: Prometheus text 0.0.4 (or OpenMetrics when the client asks for it). */
export const metrics: Handler = async (ctx) => {
  const accept = ctx.headers.accept;
  const { contentType, body } = await render(
    ctx.services.metrics.registry,
    negotiate(typeof accept === "string" ? accept : undefined),
  );
  return { type: "body", contentType, body };
};
