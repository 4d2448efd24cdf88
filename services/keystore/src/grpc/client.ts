import type { SecureClientSessionOptions } from "node:http2";
import {
  Code,
  type CallOptions as ConnectCallOptions,
  ConnectError,
  createClient,
} from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  type CallOptions,
  errors,
  type KesError,
  type KeyStore,
  type KeyStoreStatus,
  type ListPage,
  type ListRequest,
} from "@kes/core";
import { KeyStoreService } from "@kes/proto";
import { checkLimit } from "../validate.js";
import { listPageFromProto, listRequestToProto, statusFromProto } from "./convert.js";
import { parseEndpoint } from "./endpoint.js";
import { type ServiceRole, serverRoleCheck } from "./peer-role.js";
import { loadPem } from "./pem.js";

/** TLS material as PEM text or file paths. `ca` absent = the system roots. */
export interface KeyStoreClientTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface ConnectKeyStoreOptions {
  /** "https://host:port", "http://host:port" (h2c) or "host:port". */
  readonly endpoint: string;
  readonly tls?: KeyStoreClientTls;
  /** Deadline of every call, default 10 s. */
  readonly timeoutMs?: number;
  /**
   * With `tls`: the role the server's certificate must carry besides a matching host name
   * (the split deployment's crypto service dials only a "keystore").
   */
  readonly serverRole?: ServiceRole;
}

const KIND = "grpc";
const DEFAULT_TIMEOUT_MS = 10_000;
/** A peer's error text is for logs; keep a misbehaving one from flooding them. */
const MAX_PEER_MESSAGE = 200;

/**
 * A KeyStore over the gRPC protocol (HTTP/2), so it works with any implementation of
 * kes.keystore.v1.KeyStoreService in any language, not only ours.
 */
export function connectKeyStore(options: ConnectKeyStoreOptions): KeyStore {
  const url = parseEndpoint(options.endpoint, options.tls !== undefined);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw errors.invalidArgument("invalid argument: keystore client timeoutMs must be positive");
  }
  const sessions = new Http2SessionManager(
    url.origin,
    // Idle connections are closed so an unused client keeps nothing open; pings notice a dead
    // peer on a long-lived connection before a call has to.
    { idleConnectionTimeoutMs: 60_000, pingIntervalMs: 30_000, pingTimeoutMs: 5_000 },
    nodeOptions(options.tls, options.serverRole),
  );
  const transport = createGrpcTransport({
    baseUrl: url.origin,
    sessionManager: sessions,
    defaultTimeoutMs: timeoutMs,
  });
  return new GrpcKeyStore(
    createClient(KeyStoreService, transport),
    sessions,
    url.origin,
    timeoutMs,
  );
}

function nodeOptions(
  tls: KeyStoreClientTls | undefined,
  serverRole: ServiceRole | undefined,
): SecureClientSessionOptions {
  if (tls === undefined) return {};
  const options: SecureClientSessionOptions = {};
  if (serverRole !== undefined) options.checkServerIdentity = serverRoleCheck(serverRole);
  if (tls.ca !== undefined) options.ca = loadPem(tls.ca, "ca");
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw errors.invalidArgument(
      "invalid argument: a TLS client cert needs its key, and vice versa",
    );
  }
  if (tls.cert !== undefined) options.cert = loadPem(tls.cert, "cert");
  if (tls.key !== undefined) options.key = loadPem(tls.key, "key");
  return options;
}

type Client = ReturnType<typeof createClient<typeof KeyStoreService>>;

class GrpcKeyStore implements KeyStore {
  readonly kind = KIND;
  #closed = false;

  constructor(
    private readonly client: Client,
    private readonly sessions: Http2SessionManager,
    readonly endpoint: string,
    private readonly timeoutMs: number,
  ) {}

  async create(name: string, value: Uint8Array, options?: CallOptions): Promise<void> {
    await this.#call("create", () => this.client.create({ name, value }, this.#options(options)));
  }

  async get(name: string, options?: CallOptions): Promise<Uint8Array> {
    const response = await this.#call("get", () =>
      this.client.get({ name }, this.#options(options)),
    );
    // Values are never empty; an empty answer is a faulty peer, not a key.
    if (response.value.byteLength === 0) {
      throw errors.keystoreFailure(`grpc keystore ${this.endpoint}: get: peer returned no value`);
    }
    return response.value;
  }

  async delete(name: string, options?: CallOptions): Promise<void> {
    await this.#call("delete", () => this.client.delete({ name }, this.#options(options)));
  }

  async list(request: ListRequest, options?: CallOptions): Promise<ListPage> {
    // Checked here because a negative or fractional limit cannot even be encoded as uint32.
    const limit = request.limit === undefined ? 0 : checkLimit(request.limit);
    const response = await this.#call("list", () =>
      this.client.list(listRequestToProto(request, limit), this.#options(options)),
    );
    return listPageFromProto(response);
  }

  async status(options?: CallOptions): Promise<KeyStoreStatus> {
    this.#enter();
    const start = performance.now();
    try {
      return statusFromProto(await this.client.status({}, this.#options(options)));
    } catch (err) {
      // The service itself cannot be asked: for KES that is an unreachable keystore.
      const detail = this.#describe("status", ConnectError.from(err));
      return {
        reachable: false,
        latencyMs: performance.now() - start,
        backend: KIND,
        endpoint: this.endpoint,
        detail,
      };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.sessions.abort();
  }

  #enter(): void {
    if (this.#closed) throw errors.keystoreFailure(`grpc keystore ${this.endpoint}: closed`);
  }

  #options(options: CallOptions | undefined): ConnectCallOptions {
    const call: { timeoutMs: number; signal?: AbortSignal } = { timeoutMs: this.timeoutMs };
    if (options?.signal !== undefined) call.signal = options.signal;
    return call;
  }

  async #call<T>(op: string, run: () => Promise<T>): Promise<T> {
    this.#enter();
    try {
      return await run();
    } catch (err) {
      throw this.#toKesError(op, ConnectError.from(err));
    }
  }

  /** The mapping the contract fixes; every other code is a keystore failure. */
  #toKesError(op: string, err: ConnectError): KesError {
    switch (err.code) {
      case Code.AlreadyExists:
        return errors.keyExists();
      case Code.NotFound:
        return errors.keyNotFound();
      case Code.InvalidArgument:
        return errors.invalidArgument(peerMessage(err) || "invalid argument");
      default:
        return errors.keystoreFailure(this.#describe(op, err), err);
    }
  }

  #describe(op: string, err: ConnectError): string {
    const message = peerMessage(err);
    return `grpc keystore ${this.endpoint}: ${op}: ${codeName(err.code)}${message === "" ? "" : `: ${message}`}`;
  }
}

function peerMessage(err: ConnectError): string {
  const text = err.rawMessage.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return text.length > MAX_PEER_MESSAGE ? `${text.slice(0, MAX_PEER_MESSAGE)}...` : text;
}

/** "DEADLINE_EXCEEDED", as gRPC spells the codes in its docs and tools. */
function codeName(code: Code): string {
  const name = Code[code] as string | undefined;
  if (name === undefined) return `CODE_${code}`;
  return name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
