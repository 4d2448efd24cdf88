import type { Handler } from "../http/types.js";

/** GET /version. KES 2023 set no Content-Type here, so Go sniffed text/plain (as recorded). */
export const version: Handler = (ctx) => {
  const { version, commit } = ctx.services.version;
  return {
    type: "body",
    contentType: "text/plain; charset=utf-8",
    body: `${JSON.stringify({ version, commit })}\n`,
  };
};
