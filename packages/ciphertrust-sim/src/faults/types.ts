/** Fault injection: a route matcher × a trigger × an action. */

export interface FaultMatch {
  /** HTTP method; any when absent. */
  readonly method?: string;
  /** Regular expression tested against the raw request path; any when absent. */
  readonly path?: string | RegExp;
}

export type FaultTrigger =
  | { readonly type: "always" }
  /** The next `count` matching calls. */
  | { readonly type: "next"; readonly count: number }
  /** Each matching call with probability `p` (0..1). */
  | { readonly type: "probability"; readonly p: number };

/** Ways to spoil a successful token response (KES validates these fields). */
export const TOKEN_MODES = [
  "lowercase-bearer",
  "zero-duration",
  "missing-jwt",
  "empty-jwt",
  "status-201",
  "not-json",
] as const;
export type TokenMode = (typeof TOKEN_MODES)[number];

/** Ways to spoil a list page (KES's pagination loop has a hazard for each). */
export const LIST_MODES = [
  "wrong-skip",
  "inflate-total",
  "omit-resources",
  "null-resources",
  "empty-page",
  "page-cap",
  "shuffle",
] as const;
export type ListMode = (typeof LIST_MODES)[number];

export const STATUS_BODIES = ["json", "html", "text", "empty"] as const;
export type StatusBody = (typeof STATUS_BODIES)[number];

export type FaultAction =
  /** Delay, then carry on (combines with one other action). */
  | { readonly type: "latency"; readonly ms: number; readonly jitterMs?: number }
  /**
   * Answer with this status instead. `commit: true` runs the real handler first (its effect
   * stays, e.g. the secret is created) and then answers with the fault.
   */
  | {
      readonly type: "status";
      readonly status: number;
      readonly body?: StatusBody;
      readonly contentType?: string;
      readonly retryAfter?: string;
      readonly commit?: boolean;
    }
  /**
   * Close the connection: before any response byte, or right after the real status line and
   * headers (which implies the handler ran).
   */
  | {
      readonly type: "drop";
      readonly when?: "before-headers" | "after-headers";
      readonly commit?: boolean;
    }
  /** Send the real headers and only part of the body, then close. */
  | { readonly type: "truncate"; readonly fraction?: number }
  /** Accept the request and never answer (until the simulator closes). */
  | { readonly type: "hang"; readonly commit?: boolean }
  | { readonly type: "token"; readonly mode: TokenMode }
  | { readonly type: "list"; readonly mode: ListMode; readonly by?: number; readonly cap?: number }
  /** Put `bytes` of padding before the real fields of a JSON answer. */
  | { readonly type: "oversize"; readonly bytes: number };

export interface FaultSpec {
  readonly name?: string;
  readonly match?: FaultMatch;
  /** Default: always. */
  readonly trigger?: FaultTrigger;
  /** Let this many matching calls through before the trigger is consulted. */
  readonly skip?: number;
  readonly action: FaultAction;
}

/** A fault as listed by the controller. */
export interface FaultInfo {
  readonly id: string;
  readonly name?: string;
  readonly match: { readonly method?: string; readonly path?: string };
  readonly trigger: FaultTrigger;
  readonly skip: number;
  readonly action: FaultAction;
  /** Matching calls seen. */
  readonly seen: number;
  /** Times the action was applied. */
  readonly hits: number;
  /** For "next" triggers: how many more times it will fire. */
  readonly remaining?: number;
}

/** What the faults decided for one request. */
export interface FaultPlan {
  readonly latencyMs: number;
  /** The one non-latency action, if any. */
  readonly action?: FaultAction;
  /** Ids of the faults applied (for the request log). */
  readonly applied: readonly string[];
}
