/** Domain shapes the client returns; the JSON wire shapes live in wire.ts. */

export interface ServerVersion {
  readonly version: string;
  readonly commit: string;
}

export interface KeyDescription {
  readonly name: string;
  /** Hex of the first 16 bytes of SHA-256(key); 2024 servers no longer send it. */
  readonly id?: string;
  /** e.g. `AES256-GCM_SHA256` (2023) or `AES256` (2024); absent for legacy keys. */
  readonly algorithm?: string;
  /** RFC 3339 exactly as the server sent it (nanoseconds survive). */
  readonly createdAt?: string;
  readonly createdBy?: string;
}

export interface DataKey {
  readonly plaintext: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface CiphertextItem {
  readonly ciphertext: Uint8Array;
  readonly context?: Uint8Array;
}

export interface PolicyRules {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly createdAt?: string;
  readonly createdBy?: string;
}

/** `/v1/identity/self/describe`: who the server thinks we are. */
export interface SelfDescription {
  readonly identity: string;
  readonly admin: boolean;
  readonly policyName?: string;
  readonly createdAt?: string;
  readonly createdBy?: string;
  readonly policy: PolicyRules;
}

export interface ServerStatus {
  readonly version: string;
  readonly os: string;
  readonly arch: string;
  /** Uptime in ms, whichever unit the server used (2023: ns, 2024: s). */
  readonly uptimeMs: number;
  readonly numCpu: number;
  readonly numCpuUsed: number;
  readonly memHeapUsed: number;
  readonly memStackUsed: number;
  readonly keystoreLatencyMs?: number;
  readonly keystoreUnavailable: boolean;
  readonly keystoreUnreachable: boolean;
}

/** One row of `/v1/api`: an API the server offers, with its limits. */
export interface ApiDescription {
  readonly method: string;
  /** The registered path, e.g. `/v1/key/create/` (the argument follows it). */
  readonly path: string;
  readonly maxBody: number;
  /** Seconds (0: none). */
  readonly timeoutSeconds: number;
  /** Whether the API checks the caller's policy; absent when the server does not say. */
  readonly verifyAuth?: boolean;
}

/** A policy's metadata (describe, and a line of the list). */
export interface PolicyInfo {
  readonly name: string;
  readonly createdAt?: string;
  readonly createdBy?: string;
}

/** A policy with its rules (`/v1/policy/read`). */
export interface Policy extends PolicyRules {
  readonly name: string;
}

/** An identity as the server knows it (describe, and a line of the list). */
export interface IdentityInfo {
  readonly identity: string;
  readonly admin: boolean;
  /** The name of the identity's policy; absent for the admin. */
  readonly policy?: string;
  readonly createdAt?: string;
  readonly createdBy?: string;
}

/** One request, as the audit log streams it (kes-api.md §8.3). */
export interface AuditEvent {
  /** RFC 3339, as the server sent it. */
  readonly time: string;
  readonly request: {
    readonly path: string;
    readonly ip?: string;
    readonly identity?: string;
    readonly enclave?: string;
  };
  readonly response: {
    readonly code: number;
    /** Until the status was written (2023 sends ns, 2024 ms; both end up as ms). */
    readonly timeMs: number;
  };
  /** The event exactly as the server sent it, for tools that pass it on. */
  readonly json: string;
}

/** One line of the error log. */
export interface ErrorEvent {
  readonly message: string;
  /** The event exactly as the server sent it. */
  readonly json: string;
}

export interface LatencyHistogram {
  /** Cumulative counts per upper bound (seconds), ascending; the +Inf bucket is `count`. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  /** Total seconds of all responses. */
  readonly sum: number;
  readonly count: number;
}

/**
 * A sample of KES's metrics (kes-api.md §8.2). Counters count since the server started;
 * gauges a server does not export are absent.
 */
export interface KesMetrics {
  /** Responses with a 2xx status. */
  readonly requestSuccess: number;
  /** Responses with a 4xx status. */
  readonly requestError: number;
  /** Responses with a 5xx status. */
  readonly requestFailure: number;
  readonly auditEvents: number;
  readonly errorEvents: number;
  readonly requestActive?: number;
  readonly responseTime?: LatencyHistogram;
  readonly uptimeSeconds?: number;
  readonly numCpu?: number;
  readonly numCpuUsed?: number;
  readonly numThreads?: number;
  readonly memHeapUsed?: number;
  readonly memHeapObjects?: number;
  readonly memStackUsed?: number;
}
