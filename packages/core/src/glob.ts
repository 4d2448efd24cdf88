/**
 * Glob matching with the semantics of Go's `path.Match`, which KES (up to 2023-10) used for
 * policy patterns and list patterns:
 *   `*`      any run of characters except `/`
 *   `?`      one character except `/`
 *   `[...]`  a character class (`[^...]` negated, `a-z` ranges, `\` escapes inside)
 *   `\c`     the character c
 * A malformed pattern never matches anything.
 */

const cache = new Map<string, RegExp | null>();
const CACHE_LIMIT = 4096;

// Every non-alphanumeric character becomes a \u{...} escape, valid inside and outside classes.
function escapeRegExpChar(c: string): string {
  return /^[0-9A-Za-z_]$/.test(c) ? c : `\\u{${(c.codePointAt(0) as number).toString(16)}}`;
}

/** Translates a Go glob to an anchored RegExp, or null when the pattern is malformed. */
export function globToRegExp(pattern: string): RegExp | null {
  const chars = [...pattern];
  let out = "^";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") {
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) return null;
      out += escapeRegExpChar(next);
    } else if (c === "[") {
      i++;
      let cls = "[";
      if (chars[i] === "^") {
        cls += "^";
        i++;
      }
      let ranges = 0;
      for (;;) {
        const first = chars[i];
        if (first === undefined) return null;
        if (first === "]" && ranges > 0) break;
        const lo = readClassChar(chars, i);
        if (lo === null) return null;
        i = lo.next;
        let piece = escapeRegExpChar(lo.char);
        if (chars[i] === "-") {
          const hi = readClassChar(chars, i + 1);
          if (hi === null) return null;
          i = hi.next;
          if (hi.char < lo.char) return null;
          piece += `-${escapeRegExpChar(hi.char)}`;
        }
        cls += piece;
        ranges++;
      }
      out += `${cls}]`;
    } else {
      out += escapeRegExpChar(c);
    }
  }
  return new RegExp(`${out}$`, "su");
}

function readClassChar(chars: string[], i: number): { char: string; next: number } | null {
  let c = chars[i];
  if (c === undefined || c === "-" || c === "]") return null;
  if (c === "\\") {
    c = chars[i + 1];
    if (c === undefined) return null;
    return { char: c, next: i + 2 };
  }
  return { char: c, next: i + 1 };
}

/** Reports whether `name` matches the Go glob `pattern` (false for malformed patterns). */
export function matchGlob(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = globToRegExp(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, re);
  }
  return re?.test(name) === true;
}

/** The literal prefix of a glob, i.e. everything before its first special character. */
export function globPrefix(pattern: string): string {
  const m = /[*?[\\]/.exec(pattern);
  return m === null ? pattern : pattern.slice(0, m.index);
}
