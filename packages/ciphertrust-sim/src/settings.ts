import { errors } from "@kes/core";

/**
 * Behaviour knobs: choices where real CM behaviour is unknown or where tests want the other
 * branch. Faults (per request) live in ./faults; these apply to every request until changed.
 */
export interface SimSettings {
  /** Lifetime of issued JWTs (CM: 300 s). */
  jwtTtlSeconds: number;
  /** Reject seed material that is not hex, blob material that is not base64url (ksctl's rule). */
  strictMaterial: boolean;
  /** Treat names that differ only in case as the same secret (URIs are lower-cased). */
  caseInsensitiveNames: boolean;
  /**
   * A refresh grant naming another domain than the token's: "reject" (401), "accept" (issue a
   * JWT for the requested domain) or "ignore" (issue it for the token's own domain).
   */
  refreshDomainMismatch: "reject" | "accept" | "ignore";
  /** Status for an export of a visible secret without ExportKey: 404 hides it, 403 says so. */
  exportDeniedStatus: 403 | 404;
  /** Page size when a list omits `limit`. */
  listDefaultLimit: number;
  /** Largest page a list returns whatever `limit` asks for. */
  listMaxLimit: number;
  /** Evaluate policies with the user's groups now ("current") or as stamped in the JWT. */
  groupsFrom: "current" | "token";
}

export const DEFAULT_SETTINGS: Readonly<SimSettings> = Object.freeze({
  jwtTtlSeconds: 300,
  strictMaterial: false,
  caseInsensitiveNames: false,
  refreshDomainMismatch: "reject",
  exportDeniedStatus: 404,
  listDefaultLimit: 10,
  listMaxLimit: 1000,
  groupsFrom: "current",
});

function positiveInt(key: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw errors.invalidArgument(`invalid setting ${key}: expected a positive integer`);
  }
  return v;
}

function bool(key: string, v: unknown): boolean {
  if (typeof v !== "boolean")
    throw errors.invalidArgument(`invalid setting ${key}: expected a boolean`);
  return v;
}

function oneOf<T>(key: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) {
    throw errors.invalidArgument(
      `invalid setting ${key}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    );
  }
  return v as T;
}

const VALIDATORS: { [K in keyof SimSettings]: (v: unknown) => SimSettings[K] } = {
  jwtTtlSeconds: (v) => positiveInt("jwtTtlSeconds", v),
  strictMaterial: (v) => bool("strictMaterial", v),
  caseInsensitiveNames: (v) => bool("caseInsensitiveNames", v),
  refreshDomainMismatch: (v) =>
    oneOf("refreshDomainMismatch", v, ["reject", "accept", "ignore"] as const),
  exportDeniedStatus: (v) => oneOf("exportDeniedStatus", v, [403, 404] as const),
  listDefaultLimit: (v) => positiveInt("listDefaultLimit", v),
  listMaxLimit: (v) => positiveInt("listMaxLimit", v),
  groupsFrom: (v) => oneOf("groupsFrom", v, ["current", "token"] as const),
};

/** Validates a partial settings object (from the TS API or the control plane) and applies it. */
export function applySettings(target: SimSettings, patch: unknown): void {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw errors.invalidArgument("settings must be a JSON object");
  }
  const validated: Partial<Record<keyof SimSettings, unknown>> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (!Object.hasOwn(VALIDATORS, key)) {
      throw errors.invalidArgument(`unknown setting "${key}"`);
    }
    const k = key as keyof SimSettings;
    validated[k] = VALIDATORS[k](value);
  }
  Object.assign(target, validated);
}
