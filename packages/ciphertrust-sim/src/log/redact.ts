import type { IncomingHttpHeaders } from "node:http";

export const REDACTED = "[redacted]";

/** Body fields that never reach the request log. */
const SECRET_FIELDS = new Set(["material", "password", "refresh_token", "jwt"]);
const MAX_TEXT = 4096;

/** Headers as strings; Authorization keeps its scheme only ("Bearer [redacted]"). */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (name === "authorization" || name === "cookie") {
      const scheme = /^(\S+)\s+\S/.exec(text)?.[1];
      out[name] = scheme === undefined ? REDACTED : `${scheme} ${REDACTED}`;
    } else {
      out[name] = text;
    }
  }
  return out;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_FIELDS.has(k) ? REDACTED : redactValue(v);
    }
    return out;
  }
  return value;
}

/**
 * The body as the log keeps it: parsed JSON with secret fields redacted, else the text (cut
 * at 4 KiB), or null when empty.
 */
export function redactBody(body: Buffer): unknown {
  if (body.length === 0) return null;
  const text = body.toString("utf8");
  try {
    return redactValue(JSON.parse(text));
  } catch {
    return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  }
}
