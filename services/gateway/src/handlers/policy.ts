import { errors } from "@kes/core";
import type { Handler, Reply, RequestContext } from "../http/types.js";
import { listPattern } from "../list-pattern.js";
import type { PolicyInfo } from "../policy.js";
import { formatTime } from "../time.js";

/**
 * The policy APIs of a config-file KES 2023 (kes-api.md §2.1, §2.2): describe, read, list.
 * Policies come from the config: created_at is the load time, created_by the admin.
 */

export const describePolicy: Handler = (ctx) => {
  const policy = policyNamed(ctx);
  return json({ created_at: formatTime(policy.createdAt), ...createdBy(policy) });
};

export const readPolicy: Handler = (ctx) => {
  const policy = policyNamed(ctx);
  return json({
    ...(policy.allow.length > 0 ? { allow: policy.allow } : {}),
    ...(policy.deny.length > 0 ? { deny: policy.deny } : {}),
    created_at: formatTime(policy.createdAt),
    ...createdBy(policy),
  });
};

/** nd-json `{"name","created_at","created_by"?}`, sorted by name. */
export const listPolicies: Handler = (ctx) => {
  const pattern = listPattern(ctx.argument);
  let lines = "";
  for (const policy of ctx.services.policies.list()) {
    if (!pattern.matches(policy.name)) continue;
    const line = {
      name: policy.name,
      created_at: formatTime(policy.createdAt),
      ...createdBy(policy),
    };
    lines += `${JSON.stringify(line)}\n`;
  }
  return ndjson(lines);
};

function policyNamed(ctx: RequestContext): PolicyInfo {
  const policy = ctx.services.policies.policy(ctx.argument);
  if (policy === undefined) throw errors.policyNotFound();
  return policy;
}

export function createdBy(policy: PolicyInfo): { created_by?: string } {
  return policy.createdBy === undefined ? {} : { created_by: policy.createdBy };
}

export function json(body: object): Reply {
  return { type: "body", contentType: "application/json", body: `${JSON.stringify(body)}\n` };
}

/** A complete nd-json answer (Content-Type set even when empty, for 2024 clients). */
export function ndjson(lines: string): Reply {
  return { type: "ndjson", chunks: once(lines) };
}

async function* once(lines: string): AsyncGenerator<string> {
  yield lines;
}
