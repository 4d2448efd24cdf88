/**
 * Glob matching with the semantics of Go's `path.Match`, which KES (up to 2023-10) used for
 * policy patterns and list patterns:
 *   `*`      any run of characters except `/`
 *   `?`      one character except `/`
 *   `[...]`  a character class (`[^...]` negated, `a-z` ranges, `\` escapes inside)
 *   `\c`     the character c
 * A malformed pattern never matches anything.
 */

const cache = new Map<string, Glob | null>();
const CACHE_LIMIT = 4096;

/**
 * A compiled glob. Matching works as Go's `path.Match` does: each run of non-`*` pattern (a
 * chunk) matches a fixed number of characters, and a chunk after a `*` is placed at the first
 * position where it fits, never revisited. That is linear in the name for each chunk, so no
 * pattern, however many `*` it holds, can make a match take exponential time (a backtracking
 * RegExp can: `*a*a*a*a*a*a*a*a*b` against a long name of `a`s).
 */
export interface Glob {
  test(name: string): boolean;
}

type Item =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "any" }
  | {
      readonly kind: "class";
      readonly negated: boolean;
      readonly ranges: readonly (readonly [lo: number, hi: number])[];
    };

interface Chunk {
  /** The chunk follows a `*` (one or more). */
  readonly star: boolean;
  readonly items: readonly Item[];
}

const SLASH = 0x2f;

/** Compiles a Go glob, or returns null when the pattern is malformed (it never matches). */
export function compileGlob(pattern: string): Glob | null {
  const chars = [...pattern];
  const chunks: Chunk[] = [];
  let items: Item[] = [];
  let star = false;
  let literal = "";
  const flush = () => {
    if (literal !== "") items.push({ kind: "literal", text: literal });
    literal = "";
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") {
      flush();
      if (items.length > 0 || star) chunks.push({ star, items });
      items = [];
      star = true;
      // Consecutive stars are one star; a chunk never starts with one.
      while (chars[i + 1] === "*") i++;
    } else if (c === "?") {
      flush();
      items.push({ kind: "any" });
    } else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) return null;
      literal += next;
    } else if (c === "[") {
      flush();
      i++;
      let negated = false;
      if (chars[i] === "^") {
        negated = true;
        i++;
      }
      const ranges: [number, number][] = [];
      for (;;) {
        const first = chars[i];
        if (first === undefined) return null;
        if (first === "]" && ranges.length > 0) break;
        const lo = readClassChar(chars, i);
        if (lo === null) return null;
        i = lo.next;
        let hi = lo.char;
        if (chars[i] === "-") {
          const end = readClassChar(chars, i + 1);
          if (end === null) return null;
          i = end.next;
          hi = end.char;
          if (hi < lo.char) return null;
        }
        ranges.push([lo.char, hi]);
      }
      items.push({ kind: "class", negated, ranges });
    } else {
      literal += c;
    }
  }
  flush();
  chunks.push({ star, items });
  return { test: (name) => matchChunks(chunks, name) };
}

function readClassChar(chars: string[], i: number): { char: number; next: number } | null {
  let c = chars[i];
  if (c === undefined || c === "-" || c === "]") return null;
  if (c === "\\") {
    c = chars[i + 1];
    if (c === undefined) return null;
    return { char: c.codePointAt(0) as number, next: i + 2 };
  }
  return { char: c.codePointAt(0) as number, next: i + 1 };
}

// Go's path.Match loop, on indexes into the name instead of slices of it.
function matchChunks(chunks: readonly Chunk[], name: string): boolean {
  let pos = 0;
  next: for (let c = 0; c < chunks.length; c++) {
    const { star, items } = chunks[c] as Chunk;
    const last = c === chunks.length - 1;
    // A trailing `*` takes the rest of the name unless it holds a `/`.
    if (star && items.length === 0) return name.indexOf("/", pos) < 0;
    let end = matchChunk(items, name, pos);
    if (end >= 0 && (!last || end === name.length)) {
      pos = end;
      continue;
    }
    if (star) {
      // The `*` takes one more character at a time, never a `/`.
      for (let i = pos; i < name.length && name.charCodeAt(i) !== SLASH; ) {
        i += width(name, i);
        end = matchChunk(items, name, i);
        if (end >= 0 && (!last || end === name.length)) {
          pos = end;
          continue next;
        }
      }
    }
    return false;
  }
  return pos === name.length;
}

/** Where the chunk ends when it matches the name at pos, or -1. */
function matchChunk(items: readonly Item[], name: string, pos: number): number {
  for (const item of items) {
    if (item.kind === "literal") {
      if (!name.startsWith(item.text, pos)) return -1;
      pos += item.text.length;
      continue;
    }
    const cp = name.codePointAt(pos);
    if (cp === undefined) return -1;
    if (item.kind === "any") {
      if (cp === SLASH) return -1;
    } else {
      let inside = false;
      for (const [lo, hi] of item.ranges) {
        if (lo <= cp && cp <= hi) {
          inside = true;
          break;
        }
      }
      if (inside === item.negated) return -1;
    }
    pos += cp > 0xffff ? 2 : 1;
  }
  return pos;
}

function width(name: string, i: number): number {
  return (name.codePointAt(i) as number) > 0xffff ? 2 : 1;
}

/** Reports whether `name` matches the Go glob `pattern` (false for malformed patterns). */
export function matchGlob(pattern: string, name: string): boolean {
  let glob = cache.get(pattern);
  if (glob === undefined) {
    glob = compileGlob(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, glob);
  }
  return glob?.test(name) === true;
}

/** The literal prefix of a glob, i.e. everything before its first special character. */
export function globPrefix(pattern: string): string {
  const m = /[*?[\\]/.exec(pattern);
  return m === null ? pattern : pattern.slice(0, m.index);
}
