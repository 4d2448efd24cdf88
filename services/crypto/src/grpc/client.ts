import { create } from "@bufbuild/protobuf";
import {
  type ChannelCredentials,
  credentials as grpcCredentials,
  Metadata,
  type MethodDefinition,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  type CryptoApi,
  ERROR_TABLE,
  errors,
  KesError,
  KIND_METADATA_KEY,
  kindFromGrpc,
  type Logger,
  type RequestOptions,
} from "@kes/core";
import { type ServiceRole, serverRoleCheck } from "@kes/keystore-service";
import {
  BulkDecryptRequestSchema,
  CreateKeyRequestSchema,
  CryptoService,
  DecryptRequestSchema,
  type DecryptResponse,
  DeleteKeyRequestSchema,
  DescribeKeyRequestSchema,
  EncryptRequestSchema,
  type EncryptResponse,
  GenerateRequestSchema,
  type GenerateResponse,
  HmacRequestSchema,
  ImportKeyRequestSchema,
  KeyStoreStatusRequestSchema,
  ListKeysRequestSchema,
} from "@kes/proto";
import { algorithmToProto, keyInfoFromProto, statusFromProto } from "./convert.js";
import { ClientPool, cryptoAddresses, type Lookup, type PoolChannel, UNREACHABLE } from "./pool.js";
import { grpcServiceDefinition } from "./service-definition.js";
import { CryptoSession, type SessionFallback } from "./session-client.js";
import { loadTls, type ServiceTls } from "./tls.js";

export interface ConnectCryptoOptions {
  /**
   * host:port of a crypto service, or several (a list or comma-separated). A host name is
   * looked up by the client, which keeps a channel per address it resolves to (pool.ts); calls
   * go to all of them in turn, skipping any that is not connected while another is.
   */
  readonly address: string | readonly string[];
  /** Mutual TLS: our client certificate, and the CA that must have signed the server's. */
  readonly tls?: ServiceTls;
  /**
   * With `tls`: the role the server's certificate must carry besides a matching host name
   * (the split deployment's gateway dials only a "crypto").
   */
  readonly serverRole?: ServiceRole;
  /** Deadline of a call without its own `timeoutMs`. Default 10 s. */
  readonly timeoutMs?: number;
  /** How often host names are looked up again. Default 10 s. */
  readonly refreshMs?: number;
  /** How host names are looked up. Default: node:dns lookup, every address. */
  readonly lookup?: Lookup;
  /** For address changes (info) and lookup failures (warn). Default: silent. */
  readonly logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const REFUSED = "service unavailable: crypto service refused this gateway";
const DEFINITION = grpcServiceDefinition(CryptoService);

/**
 * A CryptoApi over gRPC: the gateway cannot tell it from the in-process service. Generate,
 * encrypt and decrypt ride one Session stream per channel, so per crypto process
 * (session-client.ts); everything else is a unary call. Both pick their channel the same way.
 */
export function connectCrypto(options: ConnectCryptoOptions): CryptoApi {
  const pool = new ClientPool<CryptoSession>(
    cryptoAddresses(options.address),
    channelCredentials(options.tls, options.serverRole),
    {
      ...(options.lookup && { lookup: options.lookup }),
      ...(options.refreshMs !== undefined && { refreshMs: options.refreshMs }),
      ...(options.logger && { logger: options.logger }),
    },
  );
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  function call<Req, Res>(
    method: MethodDefinition<Req, Res>,
    request: Req,
    requestOptions: RequestOptions | undefined,
  ): Promise<Res> {
    const signal = requestOptions?.signal;
    if (signal?.aborted) return Promise.reject(errors.timeout());
    const deadlineAt = Date.now() + (requestOptions?.timeoutMs ?? defaultTimeoutMs);
    const ch = pool.pick();
    if (ch !== undefined) return unary(ch, method, request, deadlineAt, signal);
    return pool
      .ready(deadlineAt, signal)
      .then((c) => unary(c, method, request, deadlineAt, signal));
  }

  function unary<Req, Res>(
    ch: PoolChannel<CryptoSession>,
    method: MethodDefinition<Req, Res>,
    request: Req,
    deadlineAt: number,
    signal: AbortSignal | undefined,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const cancel = () => pending.cancel();
      ch.calls++;
      const pending = ch.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new Metadata(),
        { deadline: deadlineAt },
        (err, response) => {
          settled = true;
          pool.release(ch);
          signal?.removeEventListener("abort", cancel);
          if (err) reject(fromServiceError(err));
          else if (response === undefined) reject(errors.internal());
          else resolve(response);
        },
      );
      if (!settled) signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  const fallback: SessionFallback = {
    unary(op, deadlineAt, options) {
      const signal = options?.signal;
      const o = { timeoutMs: Math.max(1, deadlineAt - Date.now()), ...(signal && { signal }) };
      switch (op.case) {
        case "generate":
          return call(DEFINITION.generate, op.value, o);
        case "encrypt":
          return call(DEFINITION.encrypt, op.value, o);
        case "decrypt":
          return call(DEFINITION.decrypt, op.value, o);
        default:
          return Promise.reject(errors.internal());
      }
    },
    streamError: fromServiceError,
  };
  // One session per channel, opened on first use; the pool closes it with its channel.
  type Op = Parameters<CryptoSession["call"]>[0];
  function session<R>(op: Op, o?: RequestOptions): Promise<R> {
    const deadlineAt = Date.now() + (o?.timeoutMs ?? defaultTimeoutMs);
    const ch = pool.pick();
    if (ch !== undefined) return sessionOf(ch).call<R>(op, deadlineAt, o);
    // Only now is the caller's signal read (the gateway makes one only when asked).
    return pool.ready(deadlineAt, o?.signal).then((c) => sessionOf(c).call<R>(op, deadlineAt, o));
  }
  function sessionOf(ch: PoolChannel<CryptoSession>): CryptoSession {
    ch.session ??= new CryptoSession(ch.client, fallback);
    return ch.session;
  }

  return {
    async createKey(name, createdBy, o) {
      await call(DEFINITION.createKey, create(CreateKeyRequestSchema, { name, createdBy }), o);
    },
    async importKey(name, imported, o) {
      const { key, createdBy } = imported;
      const algorithm = algorithmToProto(imported.algorithm);
      await call(
        DEFINITION.importKey,
        create(ImportKeyRequestSchema, { name, key, algorithm, createdBy }),
        o,
      );
    },
    async describeKey(name, o) {
      return keyInfoFromProto(
        await call(DEFINITION.describeKey, create(DescribeKeyRequestSchema, { name }), o),
      );
    },
    async deleteKey(name, o) {
      await call(DEFINITION.deleteKey, create(DeleteKeyRequestSchema, { name }), o);
    },
    async listKeys(request, o) {
      const { prefix, pageToken = "", limit = 0 } = request;
      const response = await call(
        DEFINITION.listKeys,
        create(ListKeysRequestSchema, { prefix, pageToken, limit }),
        o,
      );
      return { names: response.names, nextPageToken: response.nextPageToken };
    },
    async generate(name, context, o) {
      const value = create(GenerateRequestSchema, { name, context });
      const key = await session<GenerateResponse>({ case: "generate", value }, o);
      return { plaintext: key.plaintext, ciphertext: key.ciphertext };
    },
    async encrypt(name, plaintext, context, o) {
      const value = create(EncryptRequestSchema, { name, plaintext, context });
      return (await session<EncryptResponse>({ case: "encrypt", value }, o)).ciphertext;
    },
    async decrypt(name, ciphertext, context, o) {
      const value = create(DecryptRequestSchema, { name, ciphertext, context });
      return (await session<DecryptResponse>({ case: "decrypt", value }, o)).plaintext;
    },
    async bulkDecrypt(name, items, o) {
      const init = {
        name,
        items: items.map(({ ciphertext, context }) => ({ ciphertext, context })),
      };
      return (await call(DEFINITION.bulkDecrypt, create(BulkDecryptRequestSchema, init), o))
        .plaintexts;
    },
    async hmac(name, message, o) {
      return (await call(DEFINITION.hmac, create(HmacRequestSchema, { name, message }), o)).hmac;
    },
    async keyStoreStatus(o) {
      const response = await call(
        DEFINITION.keyStoreStatus,
        create(KeyStoreStatusRequestSchema, {}),
        o,
      );
      return statusFromProto(response.status);
    },
    async close() {
      pool.close();
    },
  };
}

function channelCredentials(
  tls: ServiceTls | undefined,
  serverRole: ServiceRole | undefined,
): ChannelCredentials {
  if (tls === undefined) return grpcCredentials.createInsecure();
  const { ca, key, cert } = loadTls(tls);
  // grpc-js hands host name checking to this callback when one is given: it does both.
  return grpcCredentials.createSsl(
    ca,
    key,
    cert,
    serverRole === undefined ? {} : { checkServerIdentity: serverRoleCheck(serverRole) },
  );
}

/**
 * Server errors come back as the KesError they were (code + `kes-kind` trailer); transport
 * failures, which carry no `kes-kind`, mean the service could not be reached.
 */
function fromServiceError(err: ServiceError): KesError {
  const hint = err.metadata?.get(KIND_METADATA_KEY)[0];
  const kindHint = typeof hint === "string" ? hint : undefined;
  if (kindHint === undefined) {
    if (err.code === status.UNAVAILABLE) return errors.serviceUnavailable(UNREACHABLE, err);
    // The crypto service refused this gateway (wrong role): a deployment fault, not the KES
    // client's; never a 403 to it.
    if (err.code === status.PERMISSION_DENIED || err.code === status.UNAUTHENTICATED) {
      return errors.serviceUnavailable(REFUSED, err);
    }
    if (err.code === status.DEADLINE_EXCEEDED || err.code === status.CANCELLED) {
      return new KesError("timeout", undefined, { cause: err });
    }
  }
  const kind = kindFromGrpc(err.code, kindHint);
  // Only texts our server wrote are passed on; anything else gets the table's generic text.
  const message =
    kindHint !== undefined && err.details !== "" ? err.details : ERROR_TABLE[kind].message;
  return new KesError(kind, message, { cause: err });
}
