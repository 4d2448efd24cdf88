import { errors } from "@kes/core";
import type { Handler } from "../http/types.js";
import { listPattern } from "../list-pattern.js";
import { formatTime, ZERO_TIME } from "../time.js";
import { createdBy, json, ndjson } from "./policy.js";

/**
 * The identity APIs of a config-file KES 2023 (kes-api.md §2.1, §2.2): the identities are the
 * admin and those the config's policies list.
 */

/**
 * GET /v1/identity/self/describe. Needs no policy, only a certificate. The admin gets an empty
 * policy with Go's zero time; an identity without a policy gets 404.
 */
export const selfDescribe: Handler = (ctx) => {
  const identity = ctx.identity();
  const { policies, startedAt } = ctx.services;
  if (policies.isAdmin(identity)) {
    return json({
      identity,
      admin: true,
      created_at: formatTime(new Date(startedAt)),
      policy: { created_at: ZERO_TIME },
    });
  }
  const policy = policies.policyOf(identity);
  if (policy === undefined) throw errors.identityNotFound();
  const createdAt = formatTime(policy.createdAt);
  return json({
    identity,
    policy_name: policy.name,
    created_at: createdAt,
    ...createdBy(policy),
    policy: {
      ...(policy.allow.length > 0 ? { allow: policy.allow } : {}),
      ...(policy.deny.length > 0 ? { deny: policy.deny } : {}),
      created_at: createdAt,
      ...createdBy(policy),
    },
  });
};

/** GET /v1/identity/describe/<identity>: `{"admin"?,"policy","created_at","created_by"?}`. */
export const describeIdentity: Handler = (ctx) => {
  const { policies, startedAt } = ctx.services;
  const identity = ctx.argument;
  if (policies.isAdmin(identity)) {
    return json({ admin: true, policy: "", created_at: formatTime(new Date(startedAt)) });
  }
  const policy = policies.policyOf(identity);
  if (policy === undefined) throw errors.identityNotFound();
  return json({
    policy: policy.name,
    created_at: formatTime(policy.createdAt),
    ...createdBy(policy),
  });
};

/** nd-json `{"identity","admin":false,"policy","created_at","created_by"?}`; never the admin. */
export const listIdentities: Handler = (ctx) => {
  const pattern = listPattern(ctx.argument);
  let lines = "";
  for (const { identity, policy } of ctx.services.policies.identities()) {
    if (!pattern.matches(identity)) continue;
    const line = {
      identity,
      admin: false,
      policy: policy.name,
      created_at: formatTime(policy.createdAt),
      ...createdBy(policy),
    };
    lines += `${JSON.stringify(line)}\n`;
  }
  return ndjson(lines);
};
