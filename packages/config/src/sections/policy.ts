import { compileGlob, isKesError, validateName } from "@kes/core";
import type { ConfigNode } from "../node.js";
import type { PolicyConfig } from "../types.js";
import { parseIdentity } from "./identity.js";

/**
 * `policy.<name>.{allow,deny,identities}` (kes-api.md §5.1). Patterns are taken literally (no
 * `${VAR}`); identities are substituted. Each identity belongs to at most one policy and never
 * to the admin.
 */
export function parsePolicies(
  node: ConfigNode,
  admin: string | null,
): Record<string, PolicyConfig> {
  const policies: Record<string, PolicyConfig> = {};
  const owner = new Map<string, string>();
  for (const entry of node.entries()) {
    const name = entry.key;
    try {
      validateName(name);
    } catch (err) {
      if (!isKesError(err)) throw err;
      entry.fail(`invalid policy name: ${err.message.replace(/^invalid argument: /, "")}`);
    }
    const fields = entry.fields(["allow", "deny", "identities"]);
    const identities: string[] = [];
    for (const item of fields.identities.items()) {
      const identity = parseIdentity(item);
      if (identity === admin) {
        item.fail("the admin identity cannot also be assigned to a policy");
      }
      const other = owner.get(identity);
      if (other !== undefined && other !== name) {
        item.fail(
          `identity ${identity} is already assigned to policy '${other}': an identity can be in at most one policy`,
        );
      }
      if (other === undefined) {
        owner.set(identity, name);
        identities.push(identity);
      }
    }
    policies[name] = {
      allow: parsePatterns(fields.allow),
      deny: parsePatterns(fields.deny),
      identities,
    };
  }
  return policies;
}

// A pattern that can never match is refused rather than silently granting or denying nothing.
function parsePatterns(node: ConfigNode): string[] {
  return node.items().map((item) => {
    if (item.absent) item.fail("expected a pattern, got an empty value");
    const pattern = item.string({ substitute: false }) as string;
    if (pattern === "") item.fail("the pattern is empty");
    if (!pattern.startsWith("/")) {
      item.fail(
        `pattern '${pattern}' does not start with '/': patterns match request paths such as /v1/key/create/my-key`,
      );
    }
    if (compileGlob(pattern) === null) {
      item.fail(`pattern '${pattern}' is not a valid glob (unbalanced '[' or trailing '\\')`);
    }
    return pattern;
  });
}
