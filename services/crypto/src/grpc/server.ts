import { create } from "@bufbuild/protobuf";
import {
  type handleServerStreamingCall,
  type handleUnaryCall,
  Metadata,
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  type CryptoApi,
  isKesError,
  KIND_METADATA_KEY,
  type Logger,
  type RequestOptions,
  silentLogger,
} from "@kes/core";
import {
  BulkDecryptResponseSchema,
  CreateKeyResponseSchema,
  CryptoService,
  DecryptResponseSchema,
  DeleteKeyResponseSchema,
  EncryptResponseSchema,
  GenerateResponseSchema,
  Health,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
  HmacResponseSchema,
  ImportKeyResponseSchema,
  KeyStoreStatusResponseSchema,
  ListKeysResponseSchema,
} from "@kes/proto";
import { algorithmFromProto, keyInfoToProto, statusToProto } from "./convert.js";
import { grpcServiceDefinition } from "./service-definition.js";
import { loadTls, type ServiceTls } from "./tls.js";

export interface ServeCryptoOptions {
  /** Default 127.0.0.1: the crypto service is internal; bind wider on purpose. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Mutual TLS: client certificates are required and verified against `ca`. */
  readonly tls?: ServiceTls;
  readonly logger?: Logger;
}

export interface CryptoServer {
  /** host:port as clients dial it. */
  readonly address: string;
  readonly port: number;
  /** Stops accepting calls, lets running ones finish for `graceMs` (default 5 s), then cuts. */
  close(graceMs?: number): Promise<void>;
}

const CRYPTO_DEFINITION = grpcServiceDefinition(CryptoService);
const HEALTH_DEFINITION = grpcServiceDefinition(Health);
const SERVING = create(HealthCheckResponseSchema, {
  status: HealthCheckResponse_ServingStatus.SERVING,
});
// Health answers for the server as a whole ("") and for the service by its full name.
const KNOWN_SERVICES = new Set(["", CryptoService.typeName]);

/** Serves `api` as kes.crypto.v1.CryptoService plus grpc.health.v1.Health. */
export async function serveCrypto(
  api: CryptoApi,
  options: ServeCryptoOptions = {},
): Promise<CryptoServer> {
  const logger = options.logger ?? silentLogger();
  const host = options.host ?? "127.0.0.1";
  const credentials =
    options.tls === undefined ? ServerCredentials.createInsecure() : serverCredentials(options.tls);

  const server = new Server();
  server.addService(CRYPTO_DEFINITION, cryptoHandlers(api, logger));
  const watchers = new Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();
  server.addService(HEALTH_DEFINITION, healthHandlers(watchers));

  const hostPart = host.includes(":") ? `[${host}]` : host; // IPv6 literals need brackets
  const port = await new Promise<number>((resolve, reject) => {
    const target = `${hostPart}:${options.port ?? 0}`;
    server.bindAsync(target, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const address = `${hostPart}:${port}`;
  logger.info({ address, tls: options.tls !== undefined }, "crypto service listening");

  return {
    address,
    port,
    close(graceMs = 5000) {
      for (const watcher of watchers) watcher.end();
      watchers.clear();
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

function serverCredentials(tls: ServiceTls): ServerCredentials {
  const { cert, key, ca } = loadTls(tls);
  // checkClientCertificate = true: a client without a certificate signed by `ca` is refused.
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

type Handlers = UntypedServiceImplementation;

function cryptoHandlers(api: CryptoApi, logger: Logger): Handlers {
  const unary = unaryFactory(logger);
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
 * `_method` is the method's definition: it only gives the handler its request/response types.
 */
function unaryFactory(logger: Logger) {
  return <Req, Res>(
    _method: MethodDefinition<Req, Res>,
    handle: (request: Req, options: RequestOptions) => Promise<Res>,
  ): handleUnaryCall<Req, Res> =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
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

function healthHandlers(
  watchers: Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>,
): Handlers {
  const check: handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (call, callback) => {
    if (KNOWN_SERVICES.has(call.request.service)) callback(null, SERVING);
    else callback({ code: status.NOT_FOUND, details: "unknown service" });
  };
  // Watch sends the current status and stays open; the status never changes while we serve.
  const watch: handleServerStreamingCall<HealthCheckRequest, HealthCheckResponse> = (call) => {
    call.write(
      KNOWN_SERVICES.has(call.request.service)
        ? SERVING
        : create(HealthCheckResponseSchema, {
            status: HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
          }),
    );
    watchers.add(call);
    call.on("cancelled", () => watchers.delete(call));
  };
  return { check, watch };
}
