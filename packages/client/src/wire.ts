import type {
  DataKey,
  KeyDescription,
  PolicyRules,
  SelfDescription,
  ServerStatus,
  ServerVersion,
} from "./types.js";

/** A server response that does not have the shape KES documents. */
export class WireError extends Error {
  override readonly name = "WireError";
}

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WireError(`${what} is not a JSON object`);
  }
  return value as JsonObject;
}

export function str(o: JsonObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new WireError(`${what}: "${key}" is not a string`);
  return v;
}

/** Absent, null and "" all mean "not set", as with Go's omitempty. */
export function optStr(o: JsonObject, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new WireError(`${what}: "${key}" is not a string`);
  return v;
}

export function num(o: JsonObject, key: string, what: string): number {
  const v = o[key] ?? 0;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new WireError(`${what}: "${key}" is not a number`);
  }
  return v;
}

export function bool(o: JsonObject, key: string, what: string): boolean {
  const v = o[key] ?? false;
  if (typeof v !== "boolean") throw new WireError(`${what}: "${key}" is not a boolean`);
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard, padded base64 (what Go's encoding/json writes for []byte); rejects anything else. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!BASE64.test(text)) throw new WireError(`${what} is not valid base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A []byte field: absent or null is empty, like Go. */
function bytes(o: JsonObject, key: string, what: string): Uint8Array {
  const v = o[key];
  if (v === undefined || v === null) return new Uint8Array(0);
  if (typeof v !== "string") throw new WireError(`${what}: "${key}" is not a base64 string`);
  return decodeBase64(v, `${what}: "${key}"`);
}

/** Policy patterns: a JSON array (2023) or an object keyed by pattern (2024). */
export function patterns(o: JsonObject, key: string, what: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    if (!v.every((p) => typeof p === "string")) {
      throw new WireError(`${what}: "${key}" holds a non-string pattern`);
    }
    return v as string[];
  }
  return Object.keys(asObject(v, `${what}: "${key}"`));
}

export function versionFromWire(json: unknown): ServerVersion {
  const o = asObject(json, "version response");
  return {
    version: str(o, "version", "version response"),
    commit: optStr(o, "commit", "version response") ?? "",
  };
}

export function keyDescriptionFromWire(json: unknown): KeyDescription {
  const what = "key description";
  const o = asObject(json, what);
  const id = optStr(o, "id", what);
  const algorithm = optStr(o, "algorithm", what);
  const createdAt = optStr(o, "created_at", what);
  const createdBy = optStr(o, "created_by", what);
  return {
    name: str(o, "name", what),
    ...(id === undefined ? {} : { id }),
    ...(algorithm === undefined ? {} : { algorithm }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(createdBy === undefined ? {} : { createdBy }),
  };
}

export function dataKeyFromWire(json: unknown): DataKey {
  const o = asObject(json, "generate response");
  return {
    plaintext: bytes(o, "plaintext", "generate response"),
    ciphertext: bytes(o, "ciphertext", "generate response"),
  };
}

export function ciphertextFromWire(json: unknown): Uint8Array {
  return bytes(asObject(json, "encrypt response"), "ciphertext", "encrypt response");
}

export function plaintextFromWire(json: unknown): Uint8Array {
  return bytes(asObject(json, "decrypt response"), "plaintext", "decrypt response");
}

export function plaintextsFromWire(json: unknown, count: number): Uint8Array[] {
  if (!Array.isArray(json)) throw new WireError("bulk decrypt response is not a JSON array");
  if (json.length !== count) {
    throw new WireError(`bulk decrypt response has ${json.length} items, expected ${count}`);
  }
  return json.map((item, i) => plaintextFromWire(asObject(item, `bulk decrypt item ${i}`)));
}

export function policyFromWire(json: unknown, what: string): PolicyRules {
  if (json === undefined || json === null) return { allow: [], deny: [] };
  const o = asObject(json, what);
  const createdAt = optStr(o, "created_at", what);
  const createdBy = optStr(o, "created_by", what);
  return {
    allow: patterns(o, "allow", what),
    deny: patterns(o, "deny", what),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(createdBy === undefined ? {} : { createdBy }),
  };
}

export function selfDescriptionFromWire(json: unknown): SelfDescription {
  const what = "self description";
  const o = asObject(json, what);
  // 2023 names the policy in `policy_name` and sends its rules in `policy`; 2024 sends
  // `policy` as a name (kms-go) or as an object carrying its own `name`.
  const rawPolicy = o["policy"];
  const policyObject = typeof rawPolicy === "string" ? undefined : rawPolicy;
  const policyName =
    optStr(o, "policy_name", what) ??
    (typeof rawPolicy === "string" && rawPolicy !== "" ? rawPolicy : undefined) ??
    (policyObject !== undefined && policyObject !== null
      ? optStr(asObject(policyObject, `${what}: "policy"`), "name", what)
      : undefined);
  const createdAt = optStr(o, "created_at", what);
  const createdBy = optStr(o, "created_by", what);
  return {
    identity: str(o, "identity", what),
    admin: bool(o, "admin", what),
    ...(policyName === undefined ? {} : { policyName }),
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(createdBy === undefined ? {} : { createdBy }),
    policy: policyFromWire(policyObject, `${what}: "policy"`),
  };
}

/**
 * 2023 servers send uptime as Go nanoseconds rounded to whole seconds, 2024 servers as seconds.
 * A value of at least 1e9 cannot be seconds (31 years), so it is nanoseconds.
 */
export function uptimeToMs(uptime: number): number {
  return uptime >= 1e9 ? uptime / 1e6 : uptime * 1000;
}

export function statusFromWire(json: unknown): ServerStatus {
  const what = "status response";
  const o = asObject(json, what);
  const latency = o["keystore_latency"];
  return {
    version: str(o, "version", what),
    os: optStr(o, "os", what) ?? "",
    arch: optStr(o, "arch", what) ?? "",
    uptimeMs: uptimeToMs(num(o, "uptime", what)),
    numCpu: num(o, "num_cpu", what),
    numCpuUsed: num(o, "num_cpu_used", what),
    memHeapUsed: num(o, "mem_heap_used", what),
    memStackUsed: num(o, "mem_stack_used", what),
    ...(latency === undefined ? {} : { keystoreLatencyMs: num(o, "keystore_latency", what) }),
    keystoreUnavailable: bool(o, "keystore_unavailable", what),
    keystoreUnreachable: bool(o, "keystore_unreachable", what),
  };
}

/** One nd-json list line: a name, or the error that ended the listing. */
export function listLineFromWire(line: string): { name: string } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new WireError("list response line is not JSON");
  }
  const o = asObject(json, "list response line");
  const error = optStr(o, "error", "list response line");
  if (error !== undefined) return { error };
  return { name: str(o, "name", "list response line") };
}

/** The 2024 list shape `{names, continue_at}`. */
export function listPageFromWire(json: unknown): { names: string[]; continueAt: string } {
  const what = "list response";
  const o = asObject(json, what);
  const names = o["names"] ?? [];
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
    throw new WireError(`${what}: "names" is not a list of strings`);
  }
  return { names: names as string[], continueAt: optStr(o, "continue_at", what) ?? "" };
}
