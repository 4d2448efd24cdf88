import { cm } from "../cm-errors.js";
import type { SimSettings } from "../settings.js";

export interface Page {
  skip: number;
  limit: number;
}

function intParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw cm.invalidParam(`${key} must be a non-negative integer`);
  return Number(raw);
}

/** `skip` (default 0) and `limit` (default and cap from the settings; 0 means default). */
export function readPage(query: URLSearchParams, settings: SimSettings): Page {
  const skip = intParam(query, "skip") ?? 0;
  const asked = intParam(query, "limit") ?? 0;
  const limit = Math.min(asked === 0 ? settings.listDefaultLimit : asked, settings.listMaxLimit);
  return { skip, limit };
}

/** CM's list envelope; `total` counts everything visible, not just this page. */
export function pageOf<T>(items: readonly T[], page: Page): Record<string, unknown> {
  return {
    skip: page.skip,
    limit: page.limit,
    total: items.length,
    resources: items.slice(page.skip, page.skip + page.limit),
  };
}
