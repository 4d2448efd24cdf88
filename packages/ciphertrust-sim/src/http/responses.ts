import { type CmError, cm } from "../cm-errors.js";
import type { SimRequest, SimResponse } from "./types.js";

export function jsonResponse(status: number, value: unknown): SimResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(value)),
  };
}

export function emptyResponse(status: number): SimResponse {
  return { status, headers: {}, body: Buffer.alloc(0) };
}

export function textResponse(status: number, text: string, contentType: string): SimResponse {
  return { status, headers: { "content-type": contentType }, body: Buffer.from(text) };
}

export function errorResponse(err: CmError, requestId: string): SimResponse {
  return jsonResponse(err.status, err.toBody(requestId));
}

const UI_PAGE =
  "<!doctype html><html><head><title>CipherTrust Manager (simulator)</title></head>" +
  "<body><h1>CipherTrust Manager simulator</h1><p>The REST API is under /api/v1.</p></body></html>\n";

/** Stand-in for CM's web UI, which answers every non-API path. */
export function uiPage(status = 200): SimResponse {
  return textResponse(status, UI_PAGE, "text/html; charset=utf-8");
}

/** Parses a JSON object body; CM answers malformed JSON with 400 NCERRBadRequest. */
export function jsonObjectBody(req: SimRequest): Record<string, unknown> {
  if (req.body.length === 0) throw cm.badRequest("request body is empty, expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw cm.badRequest("request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw cm.badRequest("request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Typed field readers: each names the field in its 400 answer. */
export const field = {
  string(obj: Record<string, unknown>, key: string): string {
    const v = obj[key];
    if (typeof v !== "string" || v.length === 0) {
      throw cm.invalidParam(`${key} is required and must be a non-empty string`);
    }
    return v;
  },
  optionalString(obj: Record<string, unknown>, key: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw cm.invalidParam(`${key} must be a string`);
    return v;
  },
  optionalBoolean(obj: Record<string, unknown>, key: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw cm.invalidParam(`${key} must be a boolean`);
    return v;
  },
  optionalNumber(obj: Record<string, unknown>, key: string): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw cm.invalidParam(`${key} must be a non-negative number`);
    }
    return v;
  },
  stringArray(obj: Record<string, unknown>, key: string): string[] {
    const v = obj[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string" && x.length > 0)) {
      throw cm.invalidParam(`${key} is required and must be an array of non-empty strings`);
    }
    return v as string[];
  },
};
