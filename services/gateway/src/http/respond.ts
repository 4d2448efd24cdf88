import type { Response } from "./types.js";

/** 2023 error headers: JSON with charset, and no sniffing. */
const ERROR_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * Writes a KES error: `{"message":...}` (JSON-escaped, unlike 2023's printf) with the 2023
 * headers. Does nothing when the response is already under way.
 */
export function writeError(
  res: Response,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.writableEnded) return;
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    ...headers,
    "content-type": ERROR_CONTENT_TYPE,
    "x-content-type-options": "nosniff",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export function writeEmpty(res: Response): void {
  res.writeHead(200, { "content-length": "0" });
  res.end();
}

export function writeBody(res: Response, contentType: string, body: string): void {
  res.writeHead(200, {
    "content-type": contentType,
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * Go's ServeMux redirect (301) for a missing trailing slash or an unclean path. Like Go, only
 * GET and HEAD get the small HTML body.
 */
export function writeRedirect(res: Response, method: string, location: string): void {
  if (method === "GET" || method === "HEAD") {
    const body = `<a href="${escapeHtml(location)}">Moved Permanently</a>.\n\n`;
    res.writeHead(301, {
      location,
      "content-type": "text/html; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
    });
    res.end(body);
    return;
  }
  res.writeHead(301, { location, "content-length": "0" });
  res.end();
}

/** Resolves once the response can take more data (or is gone). */
export function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
