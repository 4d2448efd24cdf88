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
