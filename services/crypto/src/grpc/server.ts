import { create } from "@bufbuild/protobuf";
import {
  type handleUnaryCall,
  Metadata,
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  type CryptoApi,
  errors,
  isKesError,
  KIND_METADATA_KEY,
  type Logger,
  type RequestOptions,
  silentLogger,
} from "@kes/core";
import { peerRefusal, type ServiceRole } from "@kes/keystore-service";
import {
  BulkDecryptResponseSchema,
  CreateKeyResponseSchema,
  CryptoService,
  DecryptResponseSchema,
  DeleteKeyResponseSchema,
  EncryptResponseSchema,
  GenerateResponseSchema,
  Health,
  HmacResponseSchema,
  ImportKeyResponseSchema,
  KeyStoreStatusResponseSchema,
  ListKeysResponseSchema,
} from "@kes/proto";
import { algorithmFromProto, keyInfoToProto, statusToProto } from "./convert.js";
import { cryptoHealth } from "./health.js";
import { grpcServiceDefinition } from "./service-definition.js";
import { type Gate, Sessions } from "./session-server.js";
import { loadTls, type ServiceTls } from "./tls.js";

export interface ServeCryptoOptions {
  /** Default 127.0.0.1: the crypto service is internal; bind wider on purpose. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Mutual TLS: client certificates are required and verified against `ca`. */
  readonly tls?: ServiceTls;
  /**
   * With `tls`: the roles (the CN of a certificate from the internal CA) allowed to call the
   * crypto service; others get PERMISSION_DENIED. Health stays open to any peer of the CA.
   * Absent: any certificate issued by `ca`.
   */
  readonly allowedPeers?: readonly ServiceRole[];
  /** How often health Watch streams re-check the keystore; default 5 s. */
  readonly healthIntervalMs?: number;
  readonly logger?: Logger;
}

export interface CryptoServer {
  /** host:port as clients dial it. */
  readonly address: string;
  readonly port: number;
  /** Calls answered so far (any outcome), for the shutdown log line and tests. */
  readonly calls: number;
  /** Of `calls`, those that came over Session streams (the gateway's generate/encrypt/decrypt). */
  readonly sessionCalls: number;
  /**
   * Stops accepting calls, lets running ones finish for `graceMs` (default 5 s), then cuts.
   * From the start, health answers NOT_SERVING and new calls UNAVAILABLE.
   */
  close(graceMs?: number): Promise<void>;
}

const CRYPTO_DEFINITION = grpcServiceDefinition(CryptoService);
const HEALTH_DEFINITION = grpcServiceDefinition(Health);
const SHUTTING_DOWN = "service unavailable: crypto service is shutting down";

/** Serves `api` as kes.crypto.v1.CryptoService plus grpc.health.v1.Health. */
export async function serveCrypto(
  api: CryptoApi,
  options: ServeCryptoOptions = {},
): Promise<CryptoServer> {
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? "127.0.0.1";
  const credentials =
    options.tls === undefined ? ServerCredentials.createInsecure() : serverCredentials(options.tls);
  // Peer roles are only known, and only checked, over TLS.
  const gate: Gate = {
    draining: false,
    calls: 0,
    sessionCalls: 0,
    allowedPeers: options.tls === undefined ? undefined : options.allowedPeers,
  };

  const server = new Server();
  const sessions = new Sessions();
  server.addService(CRYPTO_DEFINITION, {
    ...cryptoHandlers(api, gate, logger),
    session: sessions.handler(api, gate, logger, SHUTTING_DOWN),
  });
  const health = cryptoHealth(api, logger, options.healthIntervalMs);
  server.addService(HEALTH_DEFINITION, health.handlers);

  const hostPart = host.includes(":") ? `[${host}]` : host; // IPv6 literals need brackets
  const port = await new Promise<number>((resolve, reject) => {
    const target = `${hostPart}:${options.port ?? 0}`;
    server.bindAsync(target, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const address = `${hostPart}:${port}`;
  logger.info({ address, tls: options.tls !== undefined }, "crypto service listening");

  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    get calls() {
      return gate.calls;
    },
    get sessionCalls() {
      return gate.sessionCalls;
    },
    close(graceMs = 5000) {
      gate.draining = true;
      sessions.drain();
      health.drain();
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}

function serverCredentials(tls: ServiceTls): ServerCredentials {
  const { cert, key, ca } = loadTls(tls);
  // checkClientCertificate = true: a client without a certificate signed by `ca` is refused.
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

type Handlers = UntypedServiceImplementation;

function cryptoHandlers(api: CryptoApi, gate: Gate, logger: Logger): Handlers {
  const unary = unaryFactory(gate, logger);
  const d = CRYPTO_DEFINITION;
  return {
    createKey: unary(d.createKey, async (req, o) => {
      await api.createKey(req.name, req.createdBy, o);
      return create(CreateKeyResponseSchema);
    }),
    importKey: unary(d.importKey, async (req, o) => {
      const algorithm = algorithmFromProto(req.algorithm);
      const { key, createdBy } = req;
      await api.importKey(req.name, { key, createdBy, ...(algorithm && { algorithm }) }, o);
      return create(ImportKeyResponseSchema);
    }),
    describeKey: unary(d.describeKey, async (req, o) =>
      keyInfoToProto(await api.describeKey(req.name, o)),
    ),
    deleteKey: unary(d.deleteKey, async (req, o) => {
      await api.deleteKey(req.name, o);
      return create(DeleteKeyResponseSchema);
    }),
    listKeys: unary(d.listKeys, async (req, o) => {
      const request = {
        prefix: req.prefix,
        ...(req.pageToken === "" ? {} : { pageToken: req.pageToken }),
        ...(req.limit === 0 ? {} : { limit: req.limit }),
      };
      return create(ListKeysResponseSchema, await api.listKeys(request, o));
    }),
    generate: unary(d.generate, async (req, o) =>
      create(GenerateResponseSchema, await api.generate(req.name, req.context, o)),
    ),
    encrypt: unary(d.encrypt, async (req, o) => {
      const ciphertext = await api.encrypt(req.name, req.plaintext, req.context, o);
      return create(EncryptResponseSchema, { ciphertext });
    }),
    decrypt: unary(d.decrypt, async (req, o) => {
      const plaintext = await api.decrypt(req.name, req.ciphertext, req.context, o);
      return create(DecryptResponseSchema, { plaintext });
    }),
    bulkDecrypt: unary(d.bulkDecrypt, async (req, o) => {
      const plaintexts = await api.bulkDecrypt(req.name, req.items, o);
      return create(BulkDecryptResponseSchema, { plaintexts });
    }),
    hmac: unary(d.hmac, async (req, o) => {
      const hmac = await api.hmac(req.name, req.message, o);
      return create(HmacResponseSchema, { hmac });
    }),
    keyStoreStatus: unary(d.keyStoreStatus, async (_req, o) => {
      const status = statusToProto(await api.keyStoreStatus(o));
      return create(KeyStoreStatusResponseSchema, { status });
    }),
  };
}

/**
 * Wraps an async handler as a grpc-js unary handler: the call's deadline becomes the request's
 * timeout, a KesError becomes its gRPC code + message + `kes-kind` trailer, and anything else
 * is logged and answered INTERNAL "internal server error", so no internals cross the wire.
 * Before the handler runs, a draining server answers UNAVAILABLE and a peer with the wrong
 * role PERMISSION_DENIED (without `kes-kind`: the gateway's client must not take it for a
 * KES client's authorization failure).
 * `_method` is the method's definition: it only gives the handler its request/response types.
 */
function unaryFactory(gate: Gate, logger: Logger) {
  return <Req, Res>(
    _method: MethodDefinition<Req, Res>,
    handle: (request: Req, options: RequestOptions) => Promise<Res>,
  ): handleUnaryCall<Req, Res> =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      gate.calls++;
      if (gate.draining) {
        callback(toServiceError(errors.serviceUnavailable(SHUTTING_DOWN), call.getPath(), logger));
        return;
      }
      if (gate.allowedPeers !== undefined) {
        const cert = call.getAuthContext().sslPeerCertificate;
        const refusal = peerRefusal(cert, gate.allowedPeers, "crypto");
        if (refusal !== undefined) {
          logger.warn({ path: call.getPath(), reason: refusal }, "crypto: peer refused");
          callback({ code: status.PERMISSION_DENIED, details: refusal });
          return;
        }
      }
      handle(call.request, requestOptions(call)).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err, call.getPath(), logger)),
      );
    };
}

const NO_OPTIONS: RequestOptions = {};

function requestOptions(call: ServerUnaryCall<unknown, unknown>): RequestOptions {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(at)) return NO_OPTIONS;
  return { timeoutMs: Math.max(1, at - Date.now()) };
}

function toServiceError(err: unknown, path: string, logger: Logger) {
  const metadata = new Metadata();
  if (isKesError(err)) {
    metadata.set(KIND_METADATA_KEY, err.kind);
    if (err.kind === "internal") logger.error({ path, err: err.cause ?? err }, "internal error");
    return { code: err.grpcCode, details: err.message, metadata };
  }
  logger.error({ path, err }, "unexpected error");
  metadata.set(KIND_METADATA_KEY, "internal");
  return { code: status.INTERNAL, details: "internal server error", metadata };
}
