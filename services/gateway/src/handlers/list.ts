import { globPrefix, matchGlob } from "@kes/core";
import type { Handler, RequestContext } from "../http/types.js";

/**
 * GET /v1/key/list/<pattern>: nd-json `{"name":...}` lines (kes-api.md §2.5). The keystore is
 * asked only for the glob's literal prefix, then each name is matched with 2023's glob rules.
 */
export const listKeys: Handler = (ctx) => ({ type: "ndjson", chunks: keyLines(ctx) });

async function* keyLines(ctx: RequestContext): AsyncGenerator<string> {
  const pattern = ctx.argument;
  const prefix = globPrefix(pattern);
  const seen = new Set<string>();
  let pageToken = "";
  for (;;) {
    const page = await ctx.services.crypto.listKeys({ prefix, pageToken }, ctx.callOptions());
    let chunk = "";
    for (const name of page.names) {
      if (matchGlob(pattern, name)) chunk += `{"name":${JSON.stringify(name)}}\n`;
    }
    yield chunk;
    // A repeated token would loop forever: a faulty backend must not hang the request.
    if (page.nextPageToken === "" || seen.has(page.nextPageToken)) return;
    seen.add(page.nextPageToken);
    pageToken = page.nextPageToken;
  }
}
