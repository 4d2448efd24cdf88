import type { KesConfig } from "@kes/config";
import { compileGlob, type Glob } from "@kes/core";

/**
 * Authorization as KES 2023 does it (kes-api.md §5): the admin may do anything; any other
 * identity needs a policy; a matching deny pattern wins; otherwise an allow pattern must match
 * (deny by default). Patterns are Go `path.Match` globs over the decoded URL path, compiled
 * once here so a request never compiles a pattern.
 */

export interface PolicyInfo {
  readonly name: string;
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** When the policy was loaded (KES: the config load time). */
  readonly createdAt: Date;
  /** The admin that "created" it (KES: the configured admin), absent when disabled. */
  readonly createdBy?: string;
}

export interface Policies {
  /** The admin identity, or null when the admin is disabled. */
  readonly admin: string | null;
  /** When the policies were loaded. */
  readonly loadedAt: Date;
  isAdmin(identity: string): boolean;
  /** The policy assigned to `identity`, if any. */
  policyOf(identity: string): PolicyInfo | undefined;
  /** The policy named `name`, if any. */
  policy(name: string): PolicyInfo | undefined;
  /** Every policy, sorted by name. */
  list(): readonly PolicyInfo[];
  /** Every identity assigned to a policy (never the admin), sorted, with its policy. */
  identities(): readonly { readonly identity: string; readonly policy: PolicyInfo }[];
  /** Whether `identity` may call the API at the decoded URL `path`. */
  allows(identity: string, path: string): boolean;
}

interface Compiled {
  readonly info: PolicyInfo;
  readonly allow: readonly Glob[];
  readonly deny: readonly Glob[];
}

export function compilePolicies(
  config: Pick<KesConfig, "admin" | "policies">,
  options: { now?: Date } = {},
): Policies {
  const loadedAt = options.now ?? new Date();
  const admin = config.admin;
  const byIdentity = new Map<string, Compiled>();
  const byName = new Map<string, PolicyInfo>();
  for (const [name, policy] of Object.entries(config.policies)) {
    const info: PolicyInfo = {
      name,
      allow: [...policy.allow],
      deny: [...policy.deny],
      createdAt: loadedAt,
      ...(admin === null ? {} : { createdBy: admin }),
    };
    const compiled = { info, allow: compile(policy.allow), deny: compile(policy.deny) };
    byName.set(name, info);
    for (const identity of policy.identities) {
      const other = byIdentity.get(identity);
      if (other !== undefined) {
        throw new Error(
          `identity ${identity} is assigned to both policy '${other.info.name}' and '${name}'`,
        );
      }
      if (identity === admin) {
        throw new Error(`policy '${name}' lists the admin identity, which needs no policy`);
      }
      byIdentity.set(identity, compiled);
    }
  }
  const sorted = [...byName.values()].sort((a, b) => compare(a.name, b.name));
  const assigned = [...byIdentity.entries()]
    .map(([identity, compiled]) => ({ identity, policy: compiled.info }))
    .sort((a, b) => compare(a.identity, b.identity));
  return {
    admin,
    loadedAt,
    isAdmin: (identity) => admin !== null && identity === admin,
    policyOf: (identity) => byIdentity.get(identity)?.info,
    policy: (name) => byName.get(name),
    list: () => sorted,
    identities: () => assigned,
    allows(identity, path) {
      if (admin !== null && identity === admin) return true;
      const policy = byIdentity.get(identity);
      if (policy === undefined) return false;
      for (const glob of policy.deny) if (glob.test(path)) return false;
      for (const glob of policy.allow) if (glob.test(path)) return true;
      return false;
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// A malformed glob never matches (as Go's path.Match), so it is simply left out.
function compile(patterns: readonly string[]): Glob[] {
  const out: Glob[] = [];
  for (const pattern of patterns) {
    const glob = compileGlob(pattern);
    if (glob !== null) out.push(glob);
  }
  return out;
}
