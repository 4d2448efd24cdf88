import { globPrefix, matchGlob } from "@kes/core";

/**
 * What a list API's `<pattern>` selects (kes-api.md §2.5, §10, §11.3):
 *  - empty (`/v1/key/list/`, as kms-go sends for "all"): everything (KES 2023 answered 400);
 *  - with a `*`: KES 2023's glob (Go path.Match), so `key-*` and `*` work as they always did;
 *  - without one: a name prefix, as KES 2024 and kms-go read it (KES 2023 matched it exactly).
 * See services/gateway/README.md for why a bare name is a prefix.
 */
export interface ListPattern {
  /** Names outside this prefix never match (asked of the keystore as its prefix). */
  readonly prefix: string;
  matches(name: string): boolean;
}

const ALL: ListPattern = { prefix: "", matches: () => true };

export function listPattern(pattern: string): ListPattern {
  if (pattern === "" || pattern === "*") return ALL;
  if (!/[*?[\\]/.test(pattern)) return { prefix: pattern, matches: (n) => n.startsWith(pattern) };
  return { prefix: globPrefix(pattern), matches: (n) => matchGlob(pattern, n) };
}
