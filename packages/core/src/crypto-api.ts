import type { KeyStoreStatus, ListPage, ListRequest } from "./keystore.js";

/**
 * What the gateway asks of the crypto service. Implemented in-process by the crypto service
 * itself (`kes server`) and, across processes, by its gRPC client: the gateway cannot tell.
 * Errors are KesErrors (see errors.ts).
 */
export interface CryptoApi {
  createKey(name: string, createdBy: string, options?: RequestOptions): Promise<void>;
  importKey(name: string, key: ImportedKey, options?: RequestOptions): Promise<void>;
  describeKey(name: string, options?: RequestOptions): Promise<KeyInfo>;
  deleteKey(name: string, options?: RequestOptions): Promise<void>;
  listKeys(request: ListRequest, options?: RequestOptions): Promise<ListPage>;
  generate(name: string, context: Uint8Array, options?: RequestOptions): Promise<DataKey>;
  encrypt(
    name: string,
    plaintext: Uint8Array,
    context: Uint8Array,
    options?: RequestOptions,
  ): Promise<Uint8Array>;
  decrypt(
    name: string,
    ciphertext: Uint8Array,
    context: Uint8Array,
    options?: RequestOptions,
  ): Promise<Uint8Array>;
  bulkDecrypt(
    name: string,
    items: readonly CiphertextItem[],
    options?: RequestOptions,
  ): Promise<Uint8Array[]>;
  hmac(name: string, message: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  keyStoreStatus(options?: RequestOptions): Promise<KeyStoreStatus>;
  close(): Promise<void>;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds the caller is prepared to wait. */
  readonly timeoutMs?: number;
}

/** KES 2023 algorithm names. `undefined` = not recorded (legacy or imported keys). */
export type Algorithm = "AES256-GCM_SHA256" | "XCHACHA20-POLY1305";

export interface ImportedKey {
  readonly key: Uint8Array;
  readonly algorithm?: Algorithm;
  readonly createdBy: string;
}

export interface KeyInfo {
  readonly name: string;
  /** Lowercase hex of the first 16 bytes of SHA-256(key). */
  readonly id: string;
  readonly algorithm?: Algorithm;
  /** RFC 3339 with up to nanosecond precision, exactly as stored. */
  readonly createdAt: string;
  readonly createdBy?: string;
  readonly hasHmac: boolean;
}

export interface DataKey {
  readonly plaintext: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface CiphertextItem {
  readonly ciphertext: Uint8Array;
  readonly context: Uint8Array;
}
