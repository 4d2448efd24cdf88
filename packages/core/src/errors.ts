/**
 * Named domain errors and the one table that maps them to HTTP (gateway) and gRPC (services).
 *
 * Every error that can reach a KES client is a KesError whose message is the exact client-facing
 * text (KES's own wording where KES has one). Anything else is "internal": it is logged with its
 * cause and answered with a generic message, so internals never leak over the wire.
 */

export type ErrorKind =
  | "invalid_argument"
  | "decryption_failed"
  | "key_not_found"
  | "key_exists"
  | "not_authorized"
  | "policy_not_found"
  | "identity_not_found"
  | "hmac_unsupported"
  | "keystore_failure"
  | "service_unavailable"
  | "timeout"
  | "internal";

/** gRPC status codes (the numbers are fixed by the gRPC spec). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

interface KindInfo {
  readonly http: number;
  readonly grpc: GrpcCode;
  readonly message: string;
}

/** The mapping table: one row per domain error. */
export const ERROR_TABLE: Readonly<Record<ErrorKind, KindInfo>> = {
  invalid_argument: { http: 400, grpc: GrpcCode.INVALID_ARGUMENT, message: "invalid argument" },
  decryption_failed: {
    http: 400,
    grpc: GrpcCode.INVALID_ARGUMENT,
    message: "decryption failed: ciphertext is not authentic",
  },
  key_not_found: { http: 404, grpc: GrpcCode.NOT_FOUND, message: "key does not exist" },
  key_exists: { http: 400, grpc: GrpcCode.ALREADY_EXISTS, message: "key already exists" },
  not_authorized: {
    http: 403,
    grpc: GrpcCode.PERMISSION_DENIED,
    message: "not authorized: insufficient permissions",
  },
  policy_not_found: { http: 404, grpc: GrpcCode.NOT_FOUND, message: "policy does not exist" },
  identity_not_found: { http: 404, grpc: GrpcCode.NOT_FOUND, message: "identity does not exist" },
  hmac_unsupported: {
    http: 409,
    grpc: GrpcCode.FAILED_PRECONDITION,
    message: "key does not support HMAC",
  },
  keystore_failure: {
    http: 502,
    grpc: GrpcCode.UNAVAILABLE,
    message: "bad gateway: keystore is not available",
  },
  service_unavailable: {
    http: 503,
    grpc: GrpcCode.UNAVAILABLE,
    message: "service unavailable: try again later",
  },
  timeout: { http: 503, grpc: GrpcCode.DEADLINE_EXCEEDED, message: "request timeout exceeded" },
  internal: { http: 500, grpc: GrpcCode.INTERNAL, message: "internal server error" },
};

export const ERROR_KINDS = Object.keys(ERROR_TABLE) as ErrorKind[];

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === "string" && Object.hasOwn(ERROR_TABLE, value);
}

export class KesError extends Error {
  override readonly name = "KesError";
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_TABLE[kind].message, options);
    this.kind = kind;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.kind].http;
  }

  get grpcCode(): GrpcCode {
    return ERROR_TABLE[this.kind].grpc;
  }
}

export function isKesError(err: unknown, kind?: ErrorKind): err is KesError {
  return err instanceof KesError && (kind === undefined || err.kind === kind);
}

/** Shorthands for the errors with a fixed KES text. */
export const errors = {
  invalidArgument: (message: string) => new KesError("invalid_argument", message),
  decryptionFailed: (cause?: unknown) =>
    new KesError("decryption_failed", undefined, cause === undefined ? undefined : { cause }),
  keyNotFound: () => new KesError("key_not_found"),
  keyExists: () => new KesError("key_exists"),
  notAuthorized: () => new KesError("not_authorized"),
  policyNotFound: () => new KesError("policy_not_found"),
  identityNotFound: () => new KesError("identity_not_found"),
  hmacUnsupported: () => new KesError("hmac_unsupported"),
  keystoreFailure: (message: string, cause?: unknown) =>
    new KesError("keystore_failure", message, cause === undefined ? undefined : { cause }),
  serviceUnavailable: (message?: string, cause?: unknown) =>
    new KesError("service_unavailable", message, cause === undefined ? undefined : { cause }),
  timeout: () => new KesError("timeout"),
  internal: (cause?: unknown) =>
    new KesError("internal", undefined, cause === undefined ? undefined : { cause }),
};

/** The keystore operation a keystore failure happened in decides KES's 502 text. */
export type KeyStoreOp = "create" | "get" | "delete" | "list";

const KEYSTORE_OP_MESSAGE: Record<KeyStoreOp, string> = {
  create: "bad gateway: failed to create key",
  get: "bad gateway: failed to access key",
  delete: "bad gateway: failed to delete key",
  list: "bad gateway: failed to list keys",
};

/** The 502 a KES client sees when the keystore fails during `op`. */
export function keystoreOpFailure(op: KeyStoreOp, cause: unknown): KesError {
  return new KesError("keystore_failure", KEYSTORE_OP_MESSAGE[op], { cause });
}

/**
 * Maps a gRPC status code (and the optional `kes-kind` trailer) back to a domain error kind.
 * Codes outside the contract become keystore/service failures at the call site.
 */
export function kindFromGrpc(code: number, kindHint?: string): ErrorKind {
  if (isErrorKind(kindHint) && ERROR_TABLE[kindHint].grpc === code) return kindHint;
  switch (code) {
    case GrpcCode.INVALID_ARGUMENT:
      return "invalid_argument";
    case GrpcCode.NOT_FOUND:
      return "key_not_found";
    case GrpcCode.ALREADY_EXISTS:
      return "key_exists";
    case GrpcCode.PERMISSION_DENIED:
      return "not_authorized";
    case GrpcCode.FAILED_PRECONDITION:
      return "hmac_unsupported";
    case GrpcCode.DEADLINE_EXCEEDED:
      return "timeout";
    case GrpcCode.UNAVAILABLE:
      return "service_unavailable";
    default:
      return "internal";
  }
}

/** Name of the gRPC trailer carrying the ErrorKind, so the kind survives a hop losslessly. */
export const KIND_METADATA_KEY = "kes-kind";
