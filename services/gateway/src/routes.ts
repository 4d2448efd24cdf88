import { listApis } from "./handlers/api.js";
import { bulkDecrypt, decrypt, encrypt, generate, hmac } from "./handlers/crypto.js";
import { describeIdentity, listIdentities, selfDescribe } from "./handlers/identity.js";
import { createKey, deleteKey, describeKey, importKey } from "./handlers/keys.js";
import { listKeys } from "./handlers/list.js";
import { auditLog, errorLog } from "./handlers/logs.js";
import { metrics } from "./handlers/metrics.js";
import { describePolicy, listPolicies, readPolicy } from "./handlers/policy.js";
import { ready, status } from "./handlers/status.js";
import { version } from "./handlers/version.js";
import type { Route } from "./http/types.js";

/**
 * THE route table: one row per API, in the order KES 2023 lists them in /v1/api (kes-api.md
 * §2.1, as recorded). The shared pipeline (http/pipeline.ts) applies every column: methods
 * (the first is the 2023 method; PUT is accepted where 2024 clients send it), body limit,
 * timeout (0 = none), auth mode, argument kind, and what is observed (metrics, audit).
 * /v1/api is generated from it. routes.test.ts pins it. A new API is one more row.
 */

/** 1 MiB: KES 2023's limit for APIs with a body. */
export const MAX_BODY = 1_048_576;
/** KES 2023 wraps every API in a 15 s timeout. */
export const API_TIMEOUT_MS = 15_000;

const T = API_TIMEOUT_MS;
const M = MAX_BODY;

// biome-ignore format: one row per API reads best as a table
export const ROUTES: readonly Route[] = [
  { path: "/version",                   methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "none",   argument: "none",    observe: "audit",   handler: version },
  { path: "/v1/ready",                  methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "none",    observe: "metrics", handler: ready },
  { path: "/v1/status",                 methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "none",    observe: "metrics", handler: status },
  { path: "/v1/metrics",                methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "none",    observe: "none",    handler: metrics },
  { path: "/v1/api",                    methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "none",    observe: "metrics", handler: listApis },
  { path: "/v1/key/create/",            methods: ["POST", "PUT"], maxBody: 0, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: createKey },
  { path: "/v1/key/import/",            methods: ["POST", "PUT"], maxBody: M, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: importKey },
  { path: "/v1/key/describe/",          methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: describeKey },
  { path: "/v1/key/delete/",            methods: ["DELETE"],      maxBody: 0, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: deleteKey },
  { path: "/v1/key/list/",              methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "pattern", observe: "audit",   handler: listKeys },
  { path: "/v1/key/generate/",          methods: ["POST", "PUT"], maxBody: M, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: generate },
  { path: "/v1/key/encrypt/",           methods: ["POST", "PUT"], maxBody: M, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: encrypt },
  { path: "/v1/key/decrypt/",           methods: ["POST", "PUT"], maxBody: M, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: decrypt },
  { path: "/v1/key/bulk/decrypt/",      methods: ["POST"],        maxBody: M, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: bulkDecrypt },
  // 2024: kms-go sends PUT; POST accepted as the 2024 server does.
  { path: "/v1/key/hmac/",              methods: ["PUT", "POST"], maxBody: M, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: hmac },
  { path: "/v1/policy/describe/",       methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: describePolicy },
  { path: "/v1/policy/read/",           methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: readPolicy },
  { path: "/v1/policy/list/",           methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "pattern", observe: "audit",   handler: listPolicies },
  { path: "/v1/identity/describe/",     methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "name",    observe: "audit",   handler: describeIdentity },
  { path: "/v1/identity/self/describe", methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "none",   argument: "none",    observe: "audit",   handler: selfDescribe },
  { path: "/v1/identity/list/",         methods: ["GET"],         maxBody: 0, timeoutMs: T, auth: "policy", argument: "pattern", observe: "audit",   handler: listIdentities },
  { path: "/v1/log/error",              methods: ["GET"],         maxBody: 0, timeoutMs: 0, auth: "policy", argument: "none",    observe: "metrics", handler: errorLog },
  { path: "/v1/log/audit",              methods: ["GET"],         maxBody: 0, timeoutMs: 0, auth: "policy", argument: "none",    observe: "metrics", handler: auditLog },
];
