import type { KeyStore } from "@kes/core";

/** What a factory hands the suite: a store, and how to get rid of it. */
export interface KeyStoreHandle {
  readonly store: KeyStore;
  /** Closes the store (again) and removes whatever it stored (temp dirs, servers). */
  cleanup(): Promise<void>;
  /**
   * Persistent backends: opens the same storage again as a new KeyStore, after the suite has
   * closed `store`. The suite closes the stores it gets from here.
   */
  reopen?(): Promise<KeyStore>;
}

export type KeyStoreFactory = () => Promise<KeyStoreHandle>;

export interface KeystoreContractOptions {
  /** A slow backend (a remote service, a simulator): fewer names in bulk tests, longer timeouts. */
  readonly slow?: boolean;
  /**
   * The store holds other names too (an external service): the suite then never assumes it is
   * empty and deletes the names it created. Every test works under its own random name prefix.
   */
  readonly shared?: boolean;
  /**
   * The backend kind status() must report. Default: the store's `kind`, except for a "grpc"
   * client, which reports the remote's kind. null: any non-empty kind.
   */
  readonly backend?: string | null;
}
