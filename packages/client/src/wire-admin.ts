/**
 * Wire shapes of the operator APIs (kes-api.md §2.1, §2.6, §8): `/v1/api`, policies,
 * identities and the log streams. 2023 shapes first; 2024 variants are read too.
 */
import type {
  ApiDescription,
  AuditEvent,
  ErrorEvent,
  IdentityInfo,
  Policy,
  PolicyInfo,
} from "./types.js";
import {
  asObject,
  bool,
  type JsonObject,
  num,
  optStr,
  policyFromWire,
  str,
  WireError,
} from "./wire.js";

/** Optional fields, left out when the server left them out (`omitempty`). */
function dates(o: JsonObject, what: string): { createdAt?: string; createdBy?: string } {
  const createdAt = optStr(o, "created_at", what);
  const createdBy = optStr(o, "created_by", what);
  return {
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(createdBy === undefined ? {} : { createdBy }),
  };
}

/** One nd-json line as an object; a listing's `{"error":…}` line is returned as such. */
export function ndjsonObject(line: string, what: string): JsonObject {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new WireError(`${what} is not JSON`);
  }
  return asObject(json, what);
}

export function apisFromWire(json: unknown): ApiDescription[] {
  if (!Array.isArray(json)) throw new WireError("api response is not a JSON array");
  return json.map((item, i) => {
    const what = `api response item ${i}`;
    const o = asObject(item, what);
    const verify = o["verify_auth"];
    return {
      method: str(o, "method", what),
      path: str(o, "path", what),
      maxBody: num(o, "max_body", what),
      timeoutSeconds: num(o, "timeout", what),
      ...(verify === undefined ? {} : { verifyAuth: bool(o, "verify_auth", what) }),
    };
  });
}

/** Policy describe: 2023 sends no name (the caller knows it), 2024 does. */
export function policyInfoFromWire(json: unknown, name: string): PolicyInfo {
  const what = "policy description";
  const o = asObject(json, what);
  return { name: optStr(o, "name", what) ?? name, ...dates(o, what) };
}

export function policyFromWireNamed(json: unknown, name: string): Policy {
  const what = "policy";
  const o = asObject(json, what);
  return { name: optStr(o, "name", what) ?? name, ...policyFromWire(o, what) };
}

export function policyLineFromWire(o: JsonObject): PolicyInfo {
  const what = "policy list line";
  return { name: str(o, "name", what), ...dates(o, what) };
}

/** Identity describe (2023: `policy` is the policy's name; the caller knows the identity). */
export function identityInfoFromWire(json: unknown, identity: string): IdentityInfo {
  const what = "identity description";
  const o = asObject(json, what);
  return identityFields(o, optStr(o, "identity", what) ?? identity, what);
}

export function identityLineFromWire(o: JsonObject): IdentityInfo {
  const what = "identity list line";
  return identityFields(o, str(o, "identity", what), what);
}

function identityFields(o: JsonObject, identity: string, what: string): IdentityInfo {
  const policy = o["policy"];
  // 2024 self/identity answers may carry the policy as an object with its own name.
  const policyName =
    typeof policy === "object" && policy !== null
      ? optStr(asObject(policy, `${what}: "policy"`), "name", what)
      : optStr(o, "policy", what);
  return {
    identity,
    admin: bool(o, "admin", what),
    ...(policyName === undefined ? {} : { policy: policyName }),
    ...dates(o, what),
  };
}

/** The 2024 list shapes: `{names:[…]}` (policies) or `{identities:[…]}`. */
export function namesFromPage(json: unknown, field: "names" | "identities"): string[] {
  const what = "list response";
  const names = asObject(json, what)[field] ?? [];
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
    throw new WireError(`${what}: "${field}" is not a list of strings`);
  }
  return names as string[];
}

/**
 * An audit event's `response.time`: KES 2023 sends nanoseconds truncated to whole
 * microseconds, 2024 milliseconds. A positive multiple of 1000 is therefore read as ns.
 */
export function responseTimeToMs(time: number): number {
  return time >= 1000 && time % 1000 === 0 ? time / 1e6 : time;
}

export function auditEventFromWire(line: string): AuditEvent {
  const what = "audit event";
  const o = ndjsonObject(line, what);
  const req = asObject(o["request"] ?? {}, `${what}: "request"`);
  const res = asObject(o["response"] ?? {}, `${what}: "response"`);
  const ip = optStr(req, "ip", what);
  const identity = optStr(req, "identity", what);
  const enclave = optStr(req, "enclave", what);
  return {
    time: str(o, "time", what),
    request: {
      path: str(req, "path", what),
      ...(ip === undefined ? {} : { ip }),
      ...(identity === undefined ? {} : { identity }),
      ...(enclave === undefined ? {} : { enclave }),
    },
    response: {
      code: num(res, "code", what),
      timeMs: responseTimeToMs(num(res, "time", what)),
    },
    json: line,
  };
}

export function errorEventFromWire(line: string): ErrorEvent {
  const what = "error log event";
  return { message: str(ndjsonObject(line, what), "message", what), json: line };
}

/** A list line: an item, or the error a listing ends with when the keystore fails midway. */
export type ListLine<T> = { readonly item: T } | { readonly error: string };

export function listLine<T>(line: string, what: string, decode: (o: JsonObject) => T): ListLine<T> {
  const o = ndjsonObject(line, what);
  const error = optStr(o, "error", what);
  return error === undefined ? { item: decode(o) } : { error };
}
