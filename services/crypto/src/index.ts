// @kes/crypto-service: the only part of KES that holds master keys.
export { DEFAULT_CACHE_EXPIRY, KeyCache } from "./cache.js";
export {
  type CryptoService,
  type CryptoServiceOptions,
  createCryptoService,
  MAX_BULK_ITEMS,
} from "./crypto-service.js";
export {
  AES256_GCM_SHA256,
  ALGORITHMS,
  IV_SIZE,
  isAlgorithm,
  KEY_SIZE,
  NONCE_SIZE,
  open,
  type SealedMessage,
  seal,
  TAG_SIZE,
  XCHACHA20_POLY1305,
} from "./formats/aead.js";
export {
  type Ciphertext,
  type CiphertextFormat,
  type MsgpackFields,
  parseCiphertext,
  parseJsonCiphertext,
  parseMsgpackCiphertext,
  parseRawCiphertext,
  writeMsgpackCiphertext,
  writeRawCiphertext,
} from "./formats/ciphertext.js";
export { FormatError } from "./formats/format-error.js";
export { hchacha20 } from "./formats/hchacha20.js";
export { keyId } from "./formats/key-id.js";
export { formatRfc3339, type Instant, parseRfc3339, ZERO_TIME } from "./formats/rfc3339.js";
export {
  type NewStoredKey,
  parseStoredKey,
  type StoredKey,
  writeStoredKeyJson,
} from "./formats/stored-key.js";
// The gRPC side loads grpc-js on first use (kes server runs the service in-process).
export {
  type CheckHealthOptions,
  type ConnectCryptoOptions,
  type CryptoServer,
  checkHealth,
  connectCrypto,
  type HealthStatus,
  type ServeCryptoOptions,
  serveCrypto,
} from "./grpc/lazy.js";
export { type GrpcServiceDefinition, grpcServiceDefinition } from "./grpc/service-definition.js";
export type { ServiceTls } from "./grpc/tls.js";
export { type MasterKey, openWith, sealWith, toMasterKey } from "./master-key.js";
