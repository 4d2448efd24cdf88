import { bulkDecrypt, decrypt, encrypt, generate } from "./handlers/crypto.js";
import { selfDescribe } from "./handlers/identity.js";
import { createKey, deleteKey, describeKey, importKey } from "./handlers/keys.js";
import { listKeys } from "./handlers/list.js";
import { version } from "./handlers/version.js";
import type { Route } from "./http/types.js";

/**
 * THE route table: one row per API, as KES 2023 registers them (kes-api.md §2.1). The shared
 * pipeline (http/pipeline.ts) applies every column: methods (the first is the 2023 method; PUT
 * is accepted where 2024 clients send it), body limit, timeout, auth mode and argument kind.
 * route-table.test.ts pins it. A new API is one more row.
 */

/** 1 MiB: KES 2023's limit for APIs with a body. */
export const MAX_BODY = 1_048_576;
/** KES 2023 wraps every API in a 15 s timeout. */
export const API_TIMEOUT_MS = 15_000;

const T = API_TIMEOUT_MS;

// biome-ignore format: one row per API reads best as a table
export const ROUTES: readonly Route[] = [
  { path: "/version",                   methods: ["GET"],         maxBody: 0,        timeoutMs: T, auth: "none",   argument: "none",    handler: version },
  { path: "/v1/identity/self/describe", methods: ["GET"],         maxBody: 0,        timeoutMs: T, auth: "none",   argument: "none",    handler: selfDescribe },
  { path: "/v1/key/create/",            methods: ["POST", "PUT"], maxBody: 0,        timeoutMs: T, auth: "policy", argument: "name",    handler: createKey },
  { path: "/v1/key/import/",            methods: ["POST", "PUT"], maxBody: MAX_BODY, timeoutMs: T, auth: "policy", argument: "name",    handler: importKey },
  { path: "/v1/key/describe/",          methods: ["GET"],         maxBody: 0,        timeoutMs: T, auth: "policy", argument: "name",    handler: describeKey },
  { path: "/v1/key/delete/",            methods: ["DELETE"],      maxBody: 0,        timeoutMs: T, auth: "policy", argument: "name",    handler: deleteKey },
  { path: "/v1/key/list/",              methods: ["GET"],         maxBody: 0,        timeoutMs: T, auth: "policy", argument: "pattern", handler: listKeys },
  { path: "/v1/key/generate/",          methods: ["POST", "PUT"], maxBody: MAX_BODY, timeoutMs: T, auth: "policy", argument: "name",    handler: generate },
  { path: "/v1/key/encrypt/",           methods: ["POST", "PUT"], maxBody: MAX_BODY, timeoutMs: T, auth: "policy", argument: "name",    handler: encrypt },
  { path: "/v1/key/decrypt/",           methods: ["POST", "PUT"], maxBody: MAX_BODY, timeoutMs: T, auth: "policy", argument: "name",    handler: decrypt },
  { path: "/v1/key/bulk/decrypt/",      methods: ["POST"],        maxBody: MAX_BODY, timeoutMs: T, auth: "policy", argument: "name",    handler: bulkDecrypt },
];
