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

// Unicode White_Space, the set Go's unicode.IsSpace (and so strings.TrimSpace) uses. JS's
// trim() differs: it also strips U+FEFF (not White_Space) and keeps U+0085 (NEL).
const LEADING_SPACE = /^\p{White_Space}+/u;
const TRAILING_SPACE = /\p{White_Space}+$/u;

/** Go's strings.TrimSpace: KES trims an API's argument with it (kes-api.md §1.2). */
export function trimSpace(s: string): string {
  return s.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
}

// scheme "://" authority, as RFC 3986 spells a scheme; the authority ends at / ? or #.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * An HTTP/1.1 request target in absolute form (`https://host:7373/v1/metrics?x`, RFC 9112
 * §3.2.2) without its scheme and authority (`/v1/metrics?x`), as Go's server routes it by
 * URL.Path alone; other targets unchanged. An absolute target without a path gives "" (which
 * is then redirected to `/`, as Go does).
 */
export function originForm(target: string): string {
  if (target.startsWith("/")) return target;
  const m = ABSOLUTE_FORM.exec(target);
  return m === null ? target : target.slice(m[0].length);
}
