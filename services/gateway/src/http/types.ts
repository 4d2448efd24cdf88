import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { CryptoApi, Logger, RequestOptions } from "@kes/core";
import type { EventSource, LogStreams } from "../events/streams.js";
import type { GatewayMetrics } from "../metrics/gateway-metrics.js";
import type { Policies } from "../policy.js";

/** Both HTTP/1.1 and HTTP/2 (compat API) requests reach the same pipeline. */
export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** "policy": admin or an allowing policy is required; "none": no policy check. */
export type AuthMode = "none" | "policy";

/**
 * What follows a prefix route's path, validated by the pipeline before the handler runs.
 * "pattern" may be empty (2024 clients list everything with `/v1/key/list/`).
 */
export type ArgumentKind = "none" | "name" | "pattern";

/**
 * What KES 2023 records about a call: "audit" = metrics and an audit event (the key, policy
 * and identity APIs and /version), "metrics" = the HTTP metrics only, "none" = neither
 * (/v1/metrics itself).
 */
export type Observe = "audit" | "metrics" | "none";

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
  readonly observe: Observe;
  readonly handler: Handler;
}

/**
 * What every handler can reach. One immutable object per config generation: a reload builds a
 * new one and swaps it in whole, so a request sees one consistent set of policies and routes.
 */
export interface Services {
  readonly crypto: CryptoApi;
  readonly policies: Policies;
  /** The routes in force, with the config's api.<path> settings applied (for /v1/api). */
  readonly routes: readonly Route[];
  readonly version: VersionInfo;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly streams: LogStreams;
  /** When the gateway started (ms since the epoch), for uptime and the admin's created_at. */
  readonly startedAt: number;
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
  readonly headers: IncomingHttpHeaders;
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
  | { readonly type: "ndjson"; readonly chunks: AsyncIterator<string> }
  /** 200 nd-json of live events until the client goes away (the log streams). */
  | { readonly type: "events"; readonly source: EventSource };

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;
