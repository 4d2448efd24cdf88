import type { HttpExchange } from "./exchange.js";

/** 2023 error headers: JSON with charset, and no sniffing. */
const ERROR_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * Writes a KES error: `{"message":...}` (JSON-escaped, unlike 2023's printf) with the 2023
 * headers. Does nothing when the response is already under way.
 */
export function writeError(
  ex: HttpExchange,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (ex.headersSent || ex.done) return;
  const body = JSON.stringify({ message });
  ex.respond(
    status,
    {
      ...headers,
      "content-type": ERROR_CONTENT_TYPE,
      "x-content-type-options": "nosniff",
      "content-length": String(Buffer.byteLength(body)),
    },
    body,
  );
}

export function writeEmpty(ex: HttpExchange): void {
  ex.respond(200, { "content-length": "0" }, "");
}

export function writeBody(ex: HttpExchange, contentType: string, body: string): void {
  ex.respond(
    200,
    { "content-type": contentType, "content-length": String(Buffer.byteLength(body)) },
    body,
  );
}

/**
 * Go's ServeMux redirect (301) for a missing trailing slash or an unclean path. Like Go, only
 * GET and HEAD get the small HTML body.
 */
export function writeRedirect(ex: HttpExchange, method: string, location: string): void {
  if (method === "GET" || method === "HEAD") {
    const body = `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`;
    ex.respond(
      301,
      {
        location,
        "content-type": "text/html; charset=utf-8",
        "content-length": String(Buffer.byteLength(body)),
      },
      body,
    );
    return;
  }
  ex.respond(301, { location, "content-length": "0" }, "");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
