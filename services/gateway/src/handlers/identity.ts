import { errors } from "@kes/core";
import type { Handler } from "../http/types.js";
import { formatTime, ZERO_TIME } from "../time.js";

/**
 * GET /v1/identity/self/describe (kes-api.md §2.2). Needs no policy, only a certificate.
 * The admin gets an empty policy with Go's zero time; an identity without a policy gets 404.
 */
export const selfDescribe: Handler = (ctx) => {
  const identity = ctx.identity();
  const { policies } = ctx.services;
  let body: object;
  if (policies.isAdmin(identity)) {
    body = {
      identity,
      admin: true,
      created_at: formatTime(policies.loadedAt),
      policy: { created_at: ZERO_TIME },
    };
  } else {
    const policy = policies.policyOf(identity);
    if (policy === undefined) throw errors.identityNotFound();
    const createdAt = formatTime(policy.createdAt);
    const createdBy = policy.createdBy === undefined ? {} : { created_by: policy.createdBy };
    body = {
      identity,
      policy_name: policy.name,
      created_at: createdAt,
      ...createdBy,
      policy: {
        ...(policy.allow.length > 0 ? { allow: policy.allow } : {}),
        ...(policy.deny.length > 0 ? { deny: policy.deny } : {}),
        created_at: createdAt,
        ...createdBy,
      },
    };
  }
  return { type: "body", contentType: "application/json", body: `${JSON.stringify(body)}\n` };
};
