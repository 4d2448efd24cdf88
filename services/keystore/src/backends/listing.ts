import type { ListPage } from "@kes/core";
import type { CheckedListRequest } from "../validate.js";

/** Ascending byte order. Names are ASCII, where UTF-16 code unit order is byte order. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One page of `names` (any order, no duplicates) for a checked request. The token of a page is
 * the last name it returned, so the next page starts strictly after it and a name created or
 * deleted in between can never make another name appear twice.
 */
export function pageOfNames(names: Iterable<string>, request: CheckedListRequest): ListPage {
  const { prefix, pageToken, limit } = request;
  const matching: string[] = [];
  for (const name of names) {
    if (name.startsWith(prefix) && (pageToken === "" || name > pageToken)) matching.push(name);
  }
  matching.sort(compareNames);
  if (matching.length <= limit) return { names: matching, nextPageToken: "" };
  const page = matching.slice(0, limit);
  return { names: page, nextPageToken: page[page.length - 1] ?? "" };
}
