import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
export type Json = any;

export interface CallOptions {
  readonly token?: string;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Trust only this CA (https). */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

export interface CallResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: Json;
  /** The connection broke after the headers arrived (truncated or headers-only answers). */
  readonly aborted: boolean;
}

/**
 * One request on a fresh connection (no keep-alive pooling between calls, so connection faults
 * never leak into the next call). Rejects if no response headers arrive.
 */
export function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const url = new URL(baseUrl);
  const body =
    options.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(
            typeof options.body === "string" ? options.body : JSON.stringify(options.body),
          );
  const headers: Record<string, string> = {
    "content-length": String(body.length),
    ...(options.body !== undefined &&
    typeof options.body === "object" &&
    !Buffer.isBuffer(options.body)
      ? { "content-type": "application/json" }
      : {}),
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port,
        method,
        path,
        headers,
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let aborted = false;
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("aborted", () => {
          aborted = true;
        });
        const finish = () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Json;
          try {
            json = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, aborted });
        };
        res.on("error", () => {
          aborted = true;
        });
        res.on("close", finish);
      },
    );
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(body);
  });
}
