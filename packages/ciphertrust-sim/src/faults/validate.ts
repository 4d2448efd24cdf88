import { errors } from "@kes/core";
import {
  type FaultAction,
  type FaultSpec,
  type FaultTrigger,
  LIST_MODES,
  STATUS_BODIES,
  TOKEN_MODES,
} from "./types.js";

type Obj = Record<string, unknown>;

function bad(message: string): never {
  throw errors.invalidArgument(`invalid fault: ${message}`);
}

function obj(value: unknown, what: string): Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    bad(`${what} must be an object`);
  }
  return value as Obj;
}

function num(
  o: Obj,
  key: string,
  what: string,
  opts: { min: number; max?: number; int?: boolean },
) {
  const v = o[key];
  if (
    typeof v !== "number" ||
    !Number.isFinite(v) ||
    v < opts.min ||
    (opts.max !== undefined && v > opts.max) ||
    (opts.int === true && !Number.isInteger(v))
  ) {
    const range = opts.max === undefined ? `>= ${opts.min}` : `in [${opts.min}, ${opts.max}]`;
    bad(`${what}.${key} must be ${opts.int === true ? "an integer" : "a number"} ${range}`);
  }
  return v;
}

function optional<T>(o: Obj, key: string, read: () => T): T | undefined {
  return o[key] === undefined ? undefined : read();
}

function oneOf<T extends string>(o: Obj, key: string, what: string, allowed: readonly T[]): T {
  const v = o[key];
  if (!allowed.includes(v as T)) bad(`${what}.${key} must be one of ${allowed.join(", ")}`);
  return v as T;
}

function bool(o: Obj, key: string, what: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") bad(`${what}.${key} must be a boolean`);
  return v;
}

function str(o: Obj, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length === 0) bad(`${what}.${key} must be a non-empty string`);
  return v;
}

function trigger(value: unknown): FaultTrigger {
  if (value === undefined) return { type: "always" };
  const t = obj(value, "trigger");
  switch (t.type) {
    case "always":
      return { type: "always" };
    case "next":
      return { type: "next", count: num(t, "count", "trigger", { min: 1, int: true }) };
    case "probability":
      return { type: "probability", p: num(t, "p", "trigger", { min: 0, max: 1 }) };
    default:
      return bad("trigger.type must be one of always, next, probability");
  }
}

function action(value: unknown): FaultAction {
  const a = obj(value, "action");
  const w = "action";
  switch (a.type) {
    case "latency": {
      const jitterMs = optional(a, "jitterMs", () => num(a, "jitterMs", w, { min: 0 }));
      return {
        type: "latency",
        ms: num(a, "ms", w, { min: 0 }),
        ...(jitterMs === undefined ? {} : { jitterMs }),
      };
    }
    case "status": {
      const body = optional(a, "body", () => oneOf(a, "body", w, STATUS_BODIES));
      const contentType = str(a, "contentType", w);
      const retry = a.retryAfter;
      if (retry !== undefined && typeof retry !== "string" && typeof retry !== "number") {
        bad("action.retryAfter must be a string or a number");
      }
      const commit = bool(a, "commit", w);
      return {
        type: "status",
        status: num(a, "status", w, { min: 200, max: 599, int: true }),
        ...(body === undefined ? {} : { body }),
        ...(contentType === undefined ? {} : { contentType }),
        ...(retry === undefined ? {} : { retryAfter: String(retry) }),
        ...(commit === undefined ? {} : { commit }),
      };
    }
    case "drop": {
      const when = optional(a, "when", () =>
        oneOf(a, "when", w, ["before-headers", "after-headers"] as const),
      );
      const commit = bool(a, "commit", w);
      return {
        type: "drop",
        ...(when === undefined ? {} : { when }),
        ...(commit === undefined ? {} : { commit }),
      };
    }
    case "truncate": {
      const fraction = optional(a, "fraction", () => num(a, "fraction", w, { min: 0, max: 1 }));
      return { type: "truncate", ...(fraction === undefined ? {} : { fraction }) };
    }
    case "hang": {
      const commit = bool(a, "commit", w);
      return { type: "hang", ...(commit === undefined ? {} : { commit }) };
    }
    case "token":
      return { type: "token", mode: oneOf(a, "mode", w, TOKEN_MODES) };
    case "list": {
      const by = optional(a, "by", () => num(a, "by", w, { min: 1, int: true }));
      const cap = optional(a, "cap", () => num(a, "cap", w, { min: 0, int: true }));
      return {
        type: "list",
        mode: oneOf(a, "mode", w, LIST_MODES),
        ...(by === undefined ? {} : { by }),
        ...(cap === undefined ? {} : { cap }),
      };
    }
    case "oversize":
      return {
        type: "oversize",
        bytes: num(a, "bytes", w, { min: 1, max: 64 * 1024 * 1024, int: true }),
      };
    default:
      return bad(
        "action.type must be one of latency, status, drop, truncate, hang, token, list, oversize",
      );
  }
}

/** A validated, normalised spec plus its compiled path matcher. */
export interface CompiledFault {
  readonly spec: FaultSpec;
  readonly method: string | undefined;
  readonly path: RegExp | undefined;
}

/** Validates a fault spec from the TS API or the control plane (JSON). */
export function compileFault(value: unknown): CompiledFault {
  const s = obj(value, "fault");
  const match = s.match === undefined ? {} : obj(s.match, "match");
  const method = str(match, "method", "match")?.toUpperCase();
  let path: RegExp | undefined;
  let source: string | undefined;
  if (match.path instanceof RegExp) {
    // Stateful flags would make test() alternate between calls.
    path = new RegExp(match.path.source, match.path.flags.replace(/[gy]/g, ""));
    source = path.source;
  } else if (match.path !== undefined) {
    source = str(match, "path", "match") as string;
    try {
      path = new RegExp(source);
    } catch {
      bad(`match.path is not a valid regular expression: ${source}`);
    }
  }
  const name = str(s, "name", "fault");
  const skip = optional(s, "skip", () => num(s, "skip", "fault", { min: 0, int: true }));
  const spec: FaultSpec = {
    ...(name === undefined ? {} : { name }),
    match: {
      ...(method === undefined ? {} : { method }),
      ...(source === undefined ? {} : { path: source }),
    },
    trigger: trigger(s.trigger),
    ...(skip === undefined ? {} : { skip }),
    action: action(s.action),
  };
  return { spec, method, path };
}
