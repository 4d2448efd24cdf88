import { errors } from "@kes/core";

/**
 * Turns what a user wrote (`127.0.0.1:7373`, `https://kes.example.com/`) into the base URL the
 * client joins API paths to. KES speaks HTTPS only, so a missing scheme means https.
 */
export function normalizeEndpoint(raw: string): string {
  const text = raw.trim();
  if (text === "") throw errors.invalidArgument("KES server endpoint is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw errors.invalidArgument(`KES server endpoint "${text}" is not a valid URL`);
  }
  if (url.protocol !== "https:") {
    throw errors.invalidArgument(
      `KES server endpoint "${text}" must use https (KES accepts TLS connections only)`,
    );
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw errors.invalidArgument(
      `KES server endpoint "${text}" must not have a query, fragment or user info`,
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** Normalizes one endpoint, a comma-separated list, or an array of either. */
export function parseEndpoints(input: string | readonly string[]): string[] {
  const parts = (typeof input === "string" ? [input] : input).flatMap((s) => s.split(","));
  const endpoints = parts.filter((s) => s.trim() !== "").map(normalizeEndpoint);
  if (endpoints.length === 0) throw errors.invalidArgument("no KES server endpoint given");
  return [...new Set(endpoints)];
}

/** API path + `/` + the URL-path-escaped argument, as kes-go builds request URLs. */
export function apiPath(api: string, arg?: string): string {
  return arg === undefined ? api : `${api}/${encodeURIComponent(arg)}`;
}
