import {
  type CallOptions,
  errors,
  type KeyStore,
  type KeyStoreStatus,
  type ListPage,
  type ListRequest,
  validateName,
} from "@kes/core";
import { checkListRequest, checkValue, throwIfAborted } from "../validate.js";
import { pageOfNames } from "./listing.js";

const KIND = "memory";

/**
 * A keystore that lives in this process only: every value is lost when it exits. For `--dev`
 * servers and tests, as KES does when no keystore is configured.
 */
export function createMemoryKeyStore(): KeyStore {
  const values = new Map<string, Uint8Array>();
  let closed = false;

  function enter(options: CallOptions | undefined): void {
    if (closed) throw errors.keystoreFailure("memory keystore: closed");
    throwIfAborted(options, KIND);
  }

  return {
    kind: KIND,
    endpoint: "memory",
    async create(name: string, value: Uint8Array, options?: CallOptions): Promise<void> {
      validateName(name);
      checkValue(value);
      enter(options);
      if (values.has(name)) throw errors.keyExists();
      // A copy, so a caller reusing its buffer cannot change what is stored.
      values.set(name, Uint8Array.from(value));
    },
    async get(name: string, options?: CallOptions): Promise<Uint8Array> {
      validateName(name);
      enter(options);
      const value = values.get(name);
      if (value === undefined) throw errors.keyNotFound();
      return Uint8Array.from(value);
    },
    async delete(name: string, options?: CallOptions): Promise<void> {
      validateName(name);
      enter(options);
      values.delete(name);
    },
    async list(request: ListRequest, options?: CallOptions): Promise<ListPage> {
      const checked = checkListRequest(request);
      enter(options);
      return pageOfNames(values.keys(), checked);
    },
    async status(options?: CallOptions): Promise<KeyStoreStatus> {
      enter(options);
      return { reachable: true, latencyMs: 0, backend: KIND, endpoint: "memory" };
    },
    async close(): Promise<void> {
      closed = true;
      // Nothing can read them any more; do not keep key material around until exit.
      values.clear();
    },
  };
}
