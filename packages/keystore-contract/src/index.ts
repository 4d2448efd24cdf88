export { keystoreContract } from "./contract.js";
export type { KeyStoreFactory, KeyStoreHandle, KeystoreContractOptions } from "./types.js";
