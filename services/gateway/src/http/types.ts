import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { CryptoApi, Logger, RequestOptions } from "@kes/core";
import type { Policies } from "../policy.js";

/** Both HTTP/1.1 and HTTP/2 (compat API) requests reach the same pipeline. */
export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** "policy": admin or an allowing policy is required; "none": no policy check. */
export type AuthMode = "none" | "policy";

/** What follows a prefix route's path, validated by the pipeline before the handler runs. */
export type ArgumentKind = "none" | "name" | "pattern";

/** One row of the route table (see routes.ts): the limits are data, applied by the pipeline. */
export interface Route {
  /** An exact path, or a prefix ending in "/" whose remainder is the argument. */
  readonly path: string;
  /** Accepted methods; the first is the 2023 method, named in a 405's `Accept` header. */
  readonly methods: readonly HttpMethod[];
  /** Largest accepted request body in bytes; 0 = the body is never read. */
  readonly maxBody: number;
  /** Per-request deadline; 0 = none (for endless streams). */
  readonly timeoutMs: number;
  readonly auth: AuthMode;
  readonly argument: ArgumentKind;
  readonly handler: Handler;
}

/** What every handler can reach: the deployment's services, fixed at startup. */
export interface Services {
  readonly crypto: CryptoApi;
  readonly policies: Policies;
  readonly version: VersionInfo;
  readonly logger: Logger;
}

export interface VersionInfo {
  readonly version: string;
  readonly commit: string;
}

export interface RequestContext {
  readonly services: Services;
  readonly route: Route;
  /** The decoded, clean URL path (what policies match). */
  readonly path: string;
  /** The validated argument ("" for routes without one). */
  readonly argument: string;
  /** The request body (empty when the route takes none or none was sent). */
  readonly body: Buffer;
  /** The caller's identity; throws the 2023 400s when there is no usable client certificate. */
  identity(): string;
  /** Options for a downstream call: aborts with the request, bounded by its deadline. */
  callOptions(): RequestOptions;
}

/** What a handler answers; the pipeline writes it (or drops it after a timeout). */
export type Reply =
  /** 200 with an empty body and no Content-Type (create, import, delete). */
  | { readonly type: "empty" }
  /** 200 with a complete body. */
  | { readonly type: "body"; readonly contentType: string; readonly body: string }
  /** 200 nd-json, streamed chunk by chunk; each chunk is whole lines. */
  | { readonly type: "ndjson"; readonly chunks: AsyncIterator<string> };

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;
