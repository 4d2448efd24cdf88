// Test support only (never imported by the service): a KeyStore over a Map that counts its
// calls and can be told to fail, so tests can see cache hits and keystore outages.
import {
  type CallOptions,
  errors,
  type KeyStore,
  type KeyStoreStatus,
  type ListPage,
  type ListRequest,
} from "@kes/core";

export class MapKeyStore implements KeyStore {
  readonly kind = "map";
  readonly endpoint = "in-test";
  readonly values = new Map<string, Uint8Array>();
  readonly calls = { create: 0, get: 0, delete: 0, list: 0, status: 0 };
  /** When set, every call fails with this error. */
  failWith: Error | undefined;
  /** When set, every call waits for this promise first. */
  gate: Promise<void> | undefined;
  closed = false;

  async #enter(op: keyof MapKeyStore["calls"], options?: CallOptions): Promise<void> {
    this.calls[op]++;
    if (this.gate !== undefined) await this.gate;
    options?.signal?.throwIfAborted();
    if (this.failWith !== undefined) throw this.failWith;
  }

  async create(name: string, value: Uint8Array, options?: CallOptions): Promise<void> {
    await this.#enter("create", options);
    if (this.values.has(name)) throw errors.keyExists();
    this.values.set(name, Uint8Array.from(value));
  }

  async get(name: string, options?: CallOptions): Promise<Uint8Array> {
    await this.#enter("get", options);
    const value = this.values.get(name);
    if (value === undefined) throw errors.keyNotFound();
    return Uint8Array.from(value);
  }

  async delete(name: string, options?: CallOptions): Promise<void> {
    await this.#enter("delete", options);
    this.values.delete(name);
  }

  async list(request: ListRequest, options?: CallOptions): Promise<ListPage> {
    await this.#enter("list", options);
    const names = [...this.values.keys()]
      .filter((n) => n.startsWith(request.prefix) && n > (request.pageToken ?? ""))
      .sort();
    const limit = request.limit || 1000;
    const page = names.slice(0, limit);
    return { names: page, nextPageToken: names.length > limit ? (page.at(-1) ?? "") : "" };
  }

  async status(options?: CallOptions): Promise<KeyStoreStatus> {
    await this.#enter("status", options);
    return { reachable: true, latencyMs: 1, backend: this.kind, endpoint: this.endpoint };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Puts a stored-key text straight into the store, as another KES would have. */
  put(name: string, storedKey: string): void {
    this.values.set(name, Buffer.from(storedKey));
  }
}
