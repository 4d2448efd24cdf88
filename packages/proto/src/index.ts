export * from "./gen/grpc/health/v1/health_pb.js";
export * from "./gen/kes/crypto/v1/crypto_pb.js";
export * from "./gen/kes/keystore/v1/keystore_pb.js";
