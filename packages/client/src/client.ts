import { errors } from "@kes/core";
import { checkCredentials, resolveTls } from "./credentials.js";
import { apiPath, parseEndpoints } from "./endpoints.js";
import { KesApiError, KesProtocolError } from "./errors.js";
import { kesMetricsFromFamilies, MetricsShapeError } from "./metrics.js";
import { PrometheusParseError, parsePrometheusText } from "./prometheus.js";
import type { KesResponse } from "./response.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import { type HttpMethod, Transport, type TransportRequest } from "./transport.js";
import type {
  ApiDescription,
  AuditEvent,
  CiphertextItem,
  DataKey,
  ErrorEvent,
  IdentityInfo,
  KesMetrics,
  KeyDescription,
  Policy,
  PolicyInfo,
  SelfDescription,
  ServerStatus,
  ServerVersion,
} from "./types.js";
import {
  ciphertextFromWire,
  dataKeyFromWire,
  encodeBase64,
  keyDescriptionFromWire,
  listLineFromWire,
  listPageFromWire,
  plaintextFromWire,
  plaintextsFromWire,
  selfDescriptionFromWire,
  statusFromWire,
  versionFromWire,
} from "./wire.js";
import {
  apisFromWire,
  auditEventFromWire,
  errorEventFromWire,
  identityInfoFromWire,
  identityLineFromWire,
  type ListLine,
  listLine,
  namesFromPage,
  policyFromWireNamed,
  policyInfoFromWire,
  policyLineFromWire,
} from "./wire-admin.js";

export interface KesClientOptions {
  /** One endpoint, several, or a comma-separated list; `https://` is added when missing. */
  readonly endpoint: string | readonly string[];
  /** PEM client certificate (mTLS); needs keyPem. */
  readonly certPem?: string;
  /** PEM private key of certPem. */
  readonly keyPem?: string;
  /** A `kes:v1:` API key, turned into a self-signed client certificate; excludes certPem/keyPem. */
  readonly apiKey?: string;
  /** PEM CA certificate(s) trusted for the server, in addition to the system roots. */
  readonly ca?: string;
  /** Do not verify the server's certificate (self-signed servers, `kes -k`). */
  readonly insecure?: boolean;
  /** Time budget of each call, retries included. Default 30 s. */
  readonly timeoutMs?: number;
  /** Retry policy for network errors and 503; default kes-go's (2 retries, 200 ms + 0–800 ms). */
  readonly retry?: Partial<RetryPolicy>;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  readonly timeoutMs?: number;
}

/** Options of the endless log streams: no time limit once the stream is open. */
export interface StreamOptions {
  /** Ends the stream (the iteration then throws the signal's reason). */
  readonly signal?: AbortSignal;
  /** Time to get the stream's answer (headers); default the client's timeoutMs. */
  readonly timeoutMs?: number;
  /** Called once the server has answered 200 and events may follow. */
  readonly onOpen?: () => void;
}

export interface RawRequest {
  readonly method: HttpMethod;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly body?: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RawResponse {
  readonly endpoint: string;
  readonly status: number;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** The body as UTF-8 text. */
  readonly text: string;
}

/** A client for the KES HTTP API (2023 wire format, reads 2024 answers too). */
export interface KesClient {
  readonly endpoints: readonly string[];
  version(options?: CallOptions): Promise<ServerVersion>;
  status(options?: CallOptions): Promise<ServerStatus>;
  selfDescribe(options?: CallOptions): Promise<SelfDescription>;
  createKey(name: string, options?: CallOptions): Promise<void>;
  /** Imports 32 raw key bytes; `algorithm` (e.g. `AES256-GCM_SHA256`) is sent when given. */
  importKey(
    name: string,
    key: Uint8Array,
    options?: CallOptions & { readonly algorithm?: string },
  ): Promise<void>;
  describeKey(name: string, options?: CallOptions): Promise<KeyDescription>;
  deleteKey(name: string, options?: CallOptions): Promise<void>;
  /** Key names matching `pattern` (default `*`), as the server sends them. */
  listKeys(pattern?: string, options?: CallOptions): AsyncIterable<string>;
  generate(name: string, context?: Uint8Array, options?: CallOptions): Promise<DataKey>;
  encrypt(
    name: string,
    plaintext: Uint8Array,
    context?: Uint8Array,
    options?: CallOptions,
  ): Promise<Uint8Array>;
  decrypt(
    name: string,
    ciphertext: Uint8Array,
    context?: Uint8Array,
    options?: CallOptions,
  ): Promise<Uint8Array>;
  bulkDecrypt(
    name: string,
    items: readonly CiphertextItem[],
    options?: CallOptions,
  ): Promise<Uint8Array[]>;
  /** The server's APIs with their limits (`/v1/api`). */
  apis(options?: CallOptions): Promise<ApiDescription[]>;
  /** `/v1/metrics`, parsed (Prometheus text) into KES's metrics. */
  metrics(options?: CallOptions): Promise<KesMetrics>;
  describePolicy(name: string, options?: CallOptions): Promise<PolicyInfo>;
  /** A policy with its allow and deny rules. */
  readPolicy(name: string, options?: CallOptions): Promise<Policy>;
  /** Policies matching `pattern` (default `*`), as the server sends them. */
  listPolicies(pattern?: string, options?: CallOptions): AsyncIterable<PolicyInfo>;
  describeIdentity(identity: string, options?: CallOptions): Promise<IdentityInfo>;
  /** Identities matching `pattern` (default `*`); KES 2023 leaves the admin out. */
  listIdentities(pattern?: string, options?: CallOptions): AsyncIterable<IdentityInfo>;
  /** The live audit log, one event per request, until the signal aborts or the server ends it. */
  auditLog(options?: StreamOptions): AsyncIterable<AuditEvent>;
  /** The live error log. */
  errorLog(options?: StreamOptions): AsyncIterable<ErrorEvent>;
  /** Any request, answered as is (no status check, 503 not retried): for tests and tools. */
  request(req: RawRequest, options?: CallOptions): Promise<RawResponse>;
  /** Closes pooled connections; the client cannot be used afterwards. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** kes-go reads at most 1 KiB of a /version answer. */
const MAX_VERSION_BODY = 1024;

/** Creates a client. Options are checked now; an API key becomes a certificate on first use. */
export function createKesClient(options: KesClientOptions): KesClient {
  const endpoints = parseEndpoints(options.endpoint);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw errors.invalidArgument(`timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(retry.retries) || retry.retries < 0) {
    throw errors.invalidArgument(`retry.retries must be a whole number >= 0, got ${retry.retries}`);
  }
  checkCredentials(options);
  const tls = resolveTls(options);
  // The error (if any) resurfaces on every call; this only avoids an unhandled rejection.
  tls.catch(() => {});
  return new HttpKesClient(endpoints, () =>
    tls.then((material) => new Transport({ endpoints, tls: material, timeoutMs, retry })),
  );
}

function callOptions(
  options: CallOptions | undefined,
): Pick<TransportRequest, "signal" | "timeoutMs"> {
  return {
    ...(options?.signal === undefined ? {} : { signal: options.signal }),
    ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

/** kes-go sets Content-Type only on requests with a JSON body; so do we. */
function jsonBody(value: unknown): Pick<TransportRequest, "body" | "headers"> {
  return { body: JSON.stringify(value), headers: { "content-type": "application/json" } };
}

/** A context is omitted when empty, as kes-go does (`omitempty`). */
function withContext(context: Uint8Array | undefined): { context?: string } {
  return context === undefined || context.length === 0 ? {} : { context: encodeBase64(context) };
}

class HttpKesClient implements KesClient {
  private transport: Promise<Transport> | undefined;
  private closed = false;

  constructor(
    readonly endpoints: readonly string[],
    private readonly connect: () => Promise<Transport>,
  ) {}

  private async send(req: TransportRequest): Promise<KesResponse> {
    if (this.closed) throw new Error("the KES client is closed");
    this.transport ??= this.connect();
    return (await this.transport).send(req);
  }

  /** Sends and insists on 200 (KES answers nothing else on success). */
  private async call(req: TransportRequest): Promise<KesResponse> {
    const res = await this.send(req);
    if (res.status !== 200) throw await res.apiError();
    return res;
  }

  private async callJson<T>(req: TransportRequest, decode: (json: unknown) => T, limit?: number) {
    const res = await this.call(req);
    const json = await res.json(limit);
    return res.decode(() => decode(json));
  }

  private async callEmpty(req: TransportRequest): Promise<void> {
    await (await this.call(req)).discard();
  }

  version(options?: CallOptions): Promise<ServerVersion> {
    return this.callJson(
      { method: "GET", path: "/version", ...callOptions(options) },
      versionFromWire,
      MAX_VERSION_BODY,
    );
  }

  status(options?: CallOptions): Promise<ServerStatus> {
    return this.callJson(
      { method: "GET", path: "/v1/status", ...callOptions(options) },
      statusFromWire,
    );
  }

  selfDescribe(options?: CallOptions): Promise<SelfDescription> {
    return this.callJson(
      { method: "GET", path: "/v1/identity/self/describe", ...callOptions(options) },
      selfDescriptionFromWire,
    );
  }

  createKey(name: string, options?: CallOptions): Promise<void> {
    return this.callEmpty({
      method: "POST",
      path: apiPath("/v1/key/create", name),
      ...callOptions(options),
    });
  }

  importKey(
    name: string,
    key: Uint8Array,
    options?: CallOptions & { readonly algorithm?: string },
  ): Promise<void> {
    const algorithm = options?.algorithm;
    return this.callEmpty({
      method: "POST",
      path: apiPath("/v1/key/import", name),
      ...jsonBody({ bytes: encodeBase64(key), ...(algorithm ? { algorithm } : {}) }),
      ...callOptions(options),
    });
  }

  describeKey(name: string, options?: CallOptions): Promise<KeyDescription> {
    return this.callJson(
      { method: "GET", path: apiPath("/v1/key/describe", name), ...callOptions(options) },
      keyDescriptionFromWire,
    );
  }

  deleteKey(name: string, options?: CallOptions): Promise<void> {
    return this.callEmpty({
      method: "DELETE",
      path: apiPath("/v1/key/delete", name),
      ...callOptions(options),
    });
  }

  /** Key names matching `pattern`; see `list` for the formats read. */
  listKeys(pattern = "*", options?: CallOptions): AsyncGenerator<string> {
    return this.list("/v1/key/list", pattern, options, {
      line: (line) => {
        const entry = listLineFromWire(line);
        return "error" in entry ? entry : { item: entry.name };
      },
      page: (json) => {
        const page = listPageFromWire(json);
        return { items: page.names, continueAt: page.continueAt };
      },
    });
  }

  listPolicies(pattern = "*", options?: CallOptions): AsyncGenerator<PolicyInfo> {
    return this.list("/v1/policy/list", pattern, options, {
      line: (line) => listLine(line, "policy list line", policyLineFromWire),
      page: (json) => ({ items: namesFromPage(json, "names").map((name) => ({ name })) }),
    });
  }

  listIdentities(pattern = "*", options?: CallOptions): AsyncGenerator<IdentityInfo> {
    return this.list("/v1/identity/list", pattern, options, {
      line: (line) => listLine(line, "identity list line", identityLineFromWire),
      page: (json) => ({
        items: namesFromPage(json, "identities").map((identity) => ({ identity, admin: false })),
      }),
    });
  }

  /**
   * Reads nd-json (KES 2023, streamed line by line) or one JSON object (2024), decided by the
   * Content-Type as kms-go does. 2024 key pages continue by listing from `continue_at`.
   */
  private async *list<T>(
    api: string,
    pattern: string,
    options: CallOptions | undefined,
    decode: {
      readonly line: (line: string) => ListLine<T>;
      readonly page: (json: unknown) => { items: readonly T[]; continueAt?: string };
    },
  ): AsyncGenerator<T> {
    let argument = pattern;
    const seen = new Set<string>();
    for (;;) {
      const res = await this.call({
        method: "GET",
        path: apiPath(api, argument),
        ...callOptions(options),
      });
      if (res.contentType === "application/x-ndjson") {
        for await (const line of res.lines()) {
          const entry = res.decode(() => decode.line(line));
          // KES reports a keystore failure after the listing started as a final error line.
          if ("error" in entry) throw new KesApiError(res.status, entry.error, res.endpoint);
          yield entry.item;
        }
        return;
      }
      const json = await res.json();
      const page = res.decode(() => decode.page(json));
      yield* page.items;
      const next = page.continueAt ?? "";
      if (next === "" || seen.has(next)) return;
      seen.add(next);
      argument = next;
    }
  }

  apis(options?: CallOptions): Promise<ApiDescription[]> {
    return this.callJson({ method: "GET", path: "/v1/api", ...callOptions(options) }, apisFromWire);
  }

  /** `/v1/metrics` (Prometheus text) read into KES's metrics. */
  async metrics(options?: CallOptions): Promise<KesMetrics> {
    const res = await this.call({ method: "GET", path: "/v1/metrics", ...callOptions(options) });
    const text = await res.text();
    try {
      return kesMetricsFromFamilies(parsePrometheusText(text));
    } catch (err) {
      if (err instanceof PrometheusParseError || err instanceof MetricsShapeError) {
        throw new KesProtocolError(
          `unexpected metrics from ${res.endpoint}: ${err.message}`,
          res.endpoint,
        );
      }
      throw err;
    }
  }

  describePolicy(name: string, options?: CallOptions): Promise<PolicyInfo> {
    return this.callJson(
      { method: "GET", path: apiPath("/v1/policy/describe", name), ...callOptions(options) },
      (json) => policyInfoFromWire(json, name),
    );
  }

  readPolicy(name: string, options?: CallOptions): Promise<Policy> {
    return this.callJson(
      { method: "GET", path: apiPath("/v1/policy/read", name), ...callOptions(options) },
      (json) => policyFromWireNamed(json, name),
    );
  }

  describeIdentity(identity: string, options?: CallOptions): Promise<IdentityInfo> {
    return this.callJson(
      { method: "GET", path: apiPath("/v1/identity/describe", identity), ...callOptions(options) },
      (json) => identityInfoFromWire(json, identity),
    );
  }

  auditLog(options?: StreamOptions): AsyncGenerator<AuditEvent> {
    return this.stream("/v1/log/audit", auditEventFromWire, options);
  }

  errorLog(options?: StreamOptions): AsyncGenerator<ErrorEvent> {
    return this.stream("/v1/log/error", errorEventFromWire, options);
  }

  /**
   * An endless nd-json stream: the deadline covers getting the answer only; then events are
   * yielded as they arrive until the server ends the stream or the caller's signal aborts.
   */
  private async *stream<T>(
    path: string,
    decode: (line: string) => T,
    options: StreamOptions | undefined,
  ): AsyncGenerator<T> {
    const res = await this.call({ method: "GET", path, ...callOptions(options) });
    res.releaseDeadline();
    options?.onOpen?.();
    for await (const line of res.lines()) yield res.decode(() => decode(line));
  }

  generate(name: string, context?: Uint8Array, options?: CallOptions): Promise<DataKey> {
    // KES 2023 needs a JSON body even without a context (an empty body is an error there).
    return this.callJson(
      {
        method: "POST",
        path: apiPath("/v1/key/generate", name),
        ...jsonBody(withContext(context)),
        ...callOptions(options),
      },
      dataKeyFromWire,
    );
  }

  encrypt(
    name: string,
    plaintext: Uint8Array,
    context?: Uint8Array,
    options?: CallOptions,
  ): Promise<Uint8Array> {
    return this.callJson(
      {
        method: "POST",
        path: apiPath("/v1/key/encrypt", name),
        ...jsonBody({ plaintext: encodeBase64(plaintext), ...withContext(context) }),
        ...callOptions(options),
      },
      ciphertextFromWire,
    );
  }

  decrypt(
    name: string,
    ciphertext: Uint8Array,
    context?: Uint8Array,
    options?: CallOptions,
  ): Promise<Uint8Array> {
    return this.callJson(
      {
        method: "POST",
        path: apiPath("/v1/key/decrypt", name),
        ...jsonBody({ ciphertext: encodeBase64(ciphertext), ...withContext(context) }),
        ...callOptions(options),
      },
      plaintextFromWire,
    );
  }

  bulkDecrypt(
    name: string,
    items: readonly CiphertextItem[],
    options?: CallOptions,
  ): Promise<Uint8Array[]> {
    const body = items.map((item) => ({
      ciphertext: encodeBase64(item.ciphertext),
      ...withContext(item.context),
    }));
    return this.callJson(
      {
        method: "POST",
        path: apiPath("/v1/key/bulk/decrypt", name),
        ...jsonBody(body),
        ...callOptions(options),
      },
      (json) => plaintextsFromWire(json, items.length),
    );
  }

  async request(req: RawRequest, options?: CallOptions): Promise<RawResponse> {
    if (!req.path.startsWith("/")) {
      throw errors.invalidArgument(`request path must start with "/", got "${req.path}"`);
    }
    const res = await this.send({ ...req, retryUnavailable: false, ...callOptions(options) });
    const body = await res.bytes();
    return {
      endpoint: res.endpoint,
      status: res.status,
      headers: res.headers,
      body: new Uint8Array(body),
      text: body.toString("utf8"),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A transport that never came to be (e.g. a bad API key) has nothing to close.
    await this.transport?.then(
      (transport) => transport.close(),
      () => {},
    );
  }
}
