export * from "./api-key.js";
export * from "./certificate.js";
export { isKeyType, KEY_TYPES, type KeyType } from "./key-pair.js";
export * from "./pem.js";
export * from "./pem-files.js";
export * from "./private-key.js";
export * from "./spki.js";
