import { STATUS_CODES } from "node:http";
import { CM_CODES } from "../cm-errors.js";
import type { SimResponse } from "../http/types.js";
import type { FaultAction, ListMode, TokenMode } from "./types.js";

type StatusAction = Extract<FaultAction, { type: "status" }>;

function cmErrorFor(status: number): { code: number; codeDesc: string } {
  if (status >= 500)
    return { code: CM_CODES.internal, codeDesc: "NCERRInternalServerError: unexpected error" };
  if (status === 401) return { code: CM_CODES.unauthorized, codeDesc: "NCERRUnauthorizedAccess" };
  if (status === 404)
    return { code: CM_CODES.notFound, codeDesc: "NCERRResourceNotFound: Resource not found" };
  if (status === 429)
    return { code: CM_CODES.badRequest, codeDesc: "NCERRTooManyRequests: rate limit exceeded" };
  return { code: CM_CODES.badRequest, codeDesc: "NCERRBadRequest: injected fault" };
}

/** The answer a status fault gives instead of the real one. */
export function statusResponse(action: StatusAction, requestId: string): SimResponse {
  const reason = STATUS_CODES[action.status] ?? "Error";
  let response: SimResponse;
  switch (action.body ?? "json") {
    case "json":
      response = {
        status: action.status,
        headers: { "content-type": "application/json" },
        body: Buffer.from(JSON.stringify({ ...cmErrorFor(action.status), requestID: requestId })),
      };
      break;
    case "html":
      // What a reverse proxy in front of CM answers when the backend is down.
      response = {
        status: action.status,
        headers: { "content-type": "text/html" },
        body: Buffer.from(
          `<html>\r\n<head><title>${action.status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${action.status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`,
        ),
      };
      break;
    case "text":
      response = {
        status: action.status,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: Buffer.from(`${action.status} ${reason}\n`),
      };
      break;
    case "empty":
      response = { status: action.status, headers: {}, body: Buffer.alloc(0) };
      break;
  }
  if (action.contentType !== undefined) response.headers["content-type"] = action.contentType;
  if (action.retryAfter !== undefined) response.headers["retry-after"] = action.retryAfter;
  return response;
}

function jsonBody(response: SimResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function withJson(response: SimResponse, value: unknown): SimResponse {
  return { ...response, body: Buffer.from(JSON.stringify(value)) };
}

/** Spoils a successful token answer; error answers pass through unchanged. */
export function malformToken(response: SimResponse, mode: TokenMode): SimResponse {
  const body = jsonBody(response);
  if (response.status !== 200 || body === undefined) return response;
  switch (mode) {
    case "lowercase-bearer":
      return withJson(response, { ...body, token_type: "bearer" });
    case "zero-duration":
      return withJson(response, { ...body, duration: 0 });
    case "missing-jwt": {
      const { jwt: _dropped, ...rest } = body;
      return withJson(response, rest);
    }
    case "empty-jwt":
      return withJson(response, { ...body, jwt: "" });
    case "status-201":
      return { ...response, status: 201 };
    case "not-json":
      return { ...response, body: Buffer.from("<html><body>token service</body></html>") };
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Spoils a list page; non-list answers pass through unchanged. */
export function spoilListPage(
  response: SimResponse,
  mode: ListMode,
  options: { by?: number; cap?: number },
  random: () => number,
): SimResponse {
  const body = jsonBody(response);
  if (response.status !== 200 || body === undefined || !Array.isArray(body.resources)) {
    return response;
  }
  const resources = body.resources as unknown[];
  const by = options.by ?? 1;
  switch (mode) {
    case "wrong-skip":
      return withJson(response, { ...body, skip: Number(body.skip) + by });
    case "inflate-total":
      return withJson(response, { ...body, total: Number(body.total) + by });
    case "omit-resources": {
      const { resources: _dropped, ...rest } = body;
      return withJson(response, rest);
    }
    case "null-resources":
      return withJson(response, { ...body, resources: null });
    case "empty-page":
      return withJson(response, { ...body, resources: [] });
    case "page-cap": {
      const cap = options.cap ?? 100;
      return withJson(response, { ...body, limit: cap, resources: resources.slice(0, cap) });
    }
    case "shuffle":
      return withJson(response, { ...body, resources: shuffled(resources, random) });
  }
}

/**
 * Puts `bytes` of padding at the start of a JSON object answer, so a reader that stops at a
 * size limit of at most `bytes` never reaches the real fields.
 */
export function oversize(response: SimResponse, bytes: number): SimResponse {
  const body = jsonBody(response);
  if (body === undefined) return response;
  return withJson(response, { padding: "x".repeat(bytes), ...body });
}
