import { KesError } from "@kes/core";
import type { SimRequest } from "../http/types.js";

/** A control-plane error: invalid_argument carrying the HTTP status to answer. */
export class ControlError extends KesError {
  readonly status: number;

  constructor(message: string, status: number) {
    super("invalid_argument", message);
    this.status = status;
  }
}

export function controlError(message: string, status = 400): ControlError {
  return new ControlError(message, status);
}

export function objectBody(req: SimRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw controlError("request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw controlError("request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== "string" || v.length === 0)
    throw controlError(`${key} must be a non-empty string`);
  return v;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw controlError(`${key} must be a string`);
  return v;
}

export function numberField(body: Record<string, unknown>, key: string): number {
  const v = body[key];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw controlError(`${key} must be a non-negative number`);
  }
  return v;
}
