/**
 * The one seam between KES and the place master keys live. Every backend (memory, fs,
 * CipherTrust Manager, a remote gRPC keystore) implements this interface, and the keystore
 * contract suite (@kes/keystore-contract) pins its behaviour. Values are opaque bytes.
 *
 * Errors a backend throws (all KesError):
 *   key_exists        create: the name is taken (nothing changed)
 *   key_not_found     get: no such name
 *   invalid_argument  a bad name, value, page token or limit
 *   keystore_failure  the backend failed or is unreachable; the message is for logs only
 * `delete` of a missing name succeeds.
 */
export interface KeyStore {
  /** Backend kind, e.g. "memory", "fs", "gemalto.keysecure", "grpc". */
  readonly kind: string;
  /** Where it lives (a directory, a URL), for operators; never a credential. */
  readonly endpoint: string;

  create(name: string, value: Uint8Array, options?: CallOptions): Promise<void>;
  get(name: string, options?: CallOptions): Promise<Uint8Array>;
  delete(name: string, options?: CallOptions): Promise<void>;
  list(request: ListRequest, options?: CallOptions): Promise<ListPage>;
  status(options?: CallOptions): Promise<KeyStoreStatus>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** Aborts the call; backends stop work and throw when it fires. */
  readonly signal?: AbortSignal;
}

export interface ListRequest {
  /** Only names starting with this; "" means all. */
  readonly prefix: string;
  /** Continue after this token (from a previous page's nextPageToken); "" to start. */
  readonly pageToken?: string;
  /** At most this many names; 0 or absent means the backend default (≤ 1000). */
  readonly limit?: number;
}

export interface ListPage {
  /** Ascending byte order. */
  readonly names: string[];
  /** "" on the last page. */
  readonly nextPageToken: string;
}

export interface KeyStoreStatus {
  readonly reachable: boolean;
  readonly latencyMs: number;
  readonly backend: string;
  readonly endpoint: string;
  readonly detail?: string;
}

/** Default and maximum page size of keystore listings. */
export const DEFAULT_LIST_LIMIT = 1000;

/** Largest value a keystore must accept (stored-key texts are a few hundred bytes). */
export const MAX_VALUE_SIZE = 1 << 20;

/** Pages through a whole listing. Stops on a repeated token so a faulty backend cannot loop. */
export async function* listAll(
  store: Pick<KeyStore, "list">,
  prefix: string,
  options?: CallOptions,
): AsyncGenerator<string> {
  let token = "";
  const seen = new Set<string>();
  for (;;) {
    const page = await store.list({ prefix, pageToken: token }, options);
    yield* page.names;
    if (page.nextPageToken === "" || seen.has(page.nextPageToken)) return;
    seen.add(page.nextPageToken);
    token = page.nextPageToken;
  }
}
