import type { Principal } from "../http/types.js";
import type { PolicyRecord } from "../state/model.js";
import type { SimState } from "../state/store.js";

/** The CM actions that govern vault secrets. */
export type SecretAction = "CreateKey" | "ReadKey" | "ExportKey" | "DeleteKey";

const cache = new Map<string, RegExp>();

/** CM patterns: `*` matches any run of characters (including `:`); everything else is literal. */
export function matchPattern(pattern: string, value: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*");
    re = new RegExp(`^${body}$`, "s");
    if (cache.size > 1024) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}

function applies(policy: PolicyRecord, action: string, uri: string): boolean {
  return (
    policy.actions.some((a) => matchPattern(a, action)) &&
    policy.resources.some((r) => matchPattern(r, uri))
  );
}

/**
 * Allowed when an attached allow-policy matches the action and the (lower-cased) resource URI
 * and no attached deny-policy does. Members of the admin group bypass policy, as in CM.
 */
export function isAllowed(
  state: SimState,
  principal: Principal,
  action: SecretAction,
  uri: string,
): boolean {
  if (principal.isAdmin) return true;
  let allowed = false;
  for (const policy of state.policiesFor(principal.user.id, principal.groups)) {
    if (!applies(policy, action, uri)) continue;
    if (!policy.allow) return false;
    allowed = true;
  }
  return allowed;
}
