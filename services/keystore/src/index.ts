export {
  type CipherTrustConfig,
  type CipherTrustOptions,
  openCipherTrustKeyStore,
} from "./backends/ciphertrust/index.js";
export { type FsKeyStoreOptions, openFsKeyStore } from "./backends/fs.js";
export { type OpenKeyStoreOptions, openKeyStore } from "./backends/index.js";
export { createMemoryKeyStore } from "./backends/memory.js";
export {
  type ConnectKeyStoreOptions,
  connectKeyStore,
  type KeyStoreClientTls,
} from "./grpc/client.js";
export {
  peerRefusal,
  roleOf,
  SERVICE_ROLES,
  type ServiceRole,
  serverRoleCheck,
} from "./grpc/peer-role.js";
export {
  type KeyStoreServer,
  type KeyStoreServerTls,
  type ServeKeyStoreOptions,
  serveKeyStore,
} from "./grpc/server.js";
export { instrumentKeyStore } from "./metrics.js";
