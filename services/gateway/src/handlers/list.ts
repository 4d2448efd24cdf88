import type { Handler, RequestContext } from "../http/types.js";
import { listPattern } from "../list-pattern.js";

/**
 * GET /v1/key/list/<pattern>: nd-json `{"name":...}` lines (kes-api.md §2.5). The keystore is
 * asked only for the pattern's literal prefix, then each name is matched (list-pattern.ts).
 */
export const listKeys: Handler = (ctx) => ({ type: "ndjson", chunks: keyLines(ctx) });

async function* keyLines(ctx: RequestContext): AsyncGenerator<string> {
  const pattern = listPattern(ctx.argument);
  const seen = new Set<string>();
  let pageToken = "";
  for (;;) {
    const page = await ctx.services.crypto.listKeys(
      { prefix: pattern.prefix, pageToken },
      ctx.callOptions(),
    );
    let chunk = "";
    for (const name of page.names) {
      if (pattern.matches(name)) chunk += `{"name":${JSON.stringify(name)}}\n`;
    }
    yield chunk;
    // A repeated token would loop forever: a faulty backend must not hang the request.
    if (page.nextPageToken === "" || seen.has(page.nextPageToken)) return;
    seen.add(page.nextPageToken);
    pageToken = page.nextPageToken;
  }
}
