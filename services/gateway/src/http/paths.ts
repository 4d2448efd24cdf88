import { posix } from "node:path";
import { httpErrors } from "./errors.js";

export interface Target {
  /** Percent-decoded path, as Go's URL.Path. */
  readonly path: string;
  /** The raw query (without `?`), "" when none. */
  readonly query: string;
}

/** Splits and decodes a request target such as `/v1/key/create/a%2Db?x=1`. */
export function parseTarget(url: string | undefined): Target {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? "" : raw.slice(q + 1);
  if (!rawPath.includes("%")) return { path: rawPath, query };
  try {
    return { path: decodeURIComponent(rawPath), query };
  } catch {
    throw httpErrors.badTarget();
  }
}

/**
 * Go's ServeMux cleanPath: a rooted path without `.`, `..` or empty elements, keeping a
 * trailing slash. A request whose path is not clean is redirected to the clean one.
 */
export function cleanPath(path: string): string {
  if (path === "") return "/";
  const rooted = path.startsWith("/") ? path : `/${path}`;
  if (!(rooted.includes("//") || rooted.includes("/."))) return rooted;
  // posix.normalize keeps a trailing slash and resolves `..` at the root, as Go does here.
  return posix.normalize(rooted);
}

/** The Location of a redirect: the path re-escaped, the query kept as sent. */
export function location(path: string, query: string): string {
  const escaped = encodeURI(path).replace(/[?#]/g, encodeURIComponent);
  return query === "" ? escaped : `${escaped}?${query}`;
}
