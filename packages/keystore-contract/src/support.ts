import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { type ErrorKind, isKesError, type KeyStore, listAll } from "@kes/core";
import type { KeyStoreFactory, KeyStoreHandle, KeystoreContractOptions } from "./types.js";

/** One test's view of a store: its own name prefix, and cleanup that always runs. */
export class Session {
  /** A prefix no other test uses, so tests can share a store (e.g. an external service). */
  readonly ns = `kc${randomBytes(4).toString("hex")}-`;
  store: KeyStore;

  constructor(
    readonly handle: KeyStoreHandle,
    readonly options: KeystoreContractOptions,
  ) {
    this.store = handle.store;
  }

  readonly reopened: KeyStore[] = [];

  /** Closes the current store and opens the same storage again (persistent backends). */
  async reopen(): Promise<KeyStore> {
    const reopen = this.handle.reopen;
    assert.ok(reopen !== undefined, "the factory offers no reopen");
    await this.store.close();
    this.store = await reopen.call(this.handle);
    this.reopened.push(this.store);
    return this.store;
  }

  name(suffix: string): string {
    return `${this.ns}${suffix}`;
  }

  /** Every name in the store (for checks that nothing was created). */
  async allNames(): Promise<string[]> {
    return collect(listAll(this.store, ""));
  }

  async namesUnderNs(): Promise<string[]> {
    return collect(listAll(this.store, this.ns));
  }
}

export interface SuiteContext {
  readonly options: KeystoreContractOptions;
  /** Per-test timeout in ms. */
  readonly timeout: number;
  /** How many names bulk tests use. */
  readonly bulk: number;
  /** A test body with a fresh store (from the factory) that is always cleaned up. */
  run(fn: (session: Session, t: TestContext) => Promise<void>): (t: TestContext) => Promise<void>;
}

export function suiteContext(
  factory: KeyStoreFactory,
  options: KeystoreContractOptions,
): SuiteContext {
  const slow = options.slow === true;
  return {
    options,
    timeout: slow ? 180_000 : 60_000,
    bulk: slow ? 60 : 250,
    run: (fn) => async (t) => {
      const handle = await factory();
      const session = new Session(handle, options);
      try {
        await fn(session, t);
      } finally {
        if (options.shared === true) await removeNamesUnder(session);
        for (const store of session.reopened) await store.close().catch(() => undefined);
        await handle.cleanup();
      }
    },
  };
}

/** Best effort: a shared store should not keep what the suite created. */
async function removeNamesUnder(session: Session): Promise<void> {
  try {
    for (const name of await session.namesUnderNs()) await session.store.delete(name);
  } catch {
    // The store may be closed by the test; there is nothing left to do then.
  }
}

export async function collect(names: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const name of names) out.push(name);
  return out;
}

/** Asserts that `promise` rejects with a KesError of `kind`. */
export async function assertKind(
  promise: Promise<unknown>,
  kind: ErrorKind,
  what: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isKesError(err), `${what}: expected a KesError(${kind}), got ${String(err)}`);
    assert.equal(err.kind, kind, `${what}: expected ${kind}, got ${err.kind} (${err.message})`);
    return true;
  });
}

/** Compares bytes without printing a megabyte when they differ. */
export function assertBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: not a Uint8Array`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length differs`);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (!a.equals(b)) {
    let i = 0;
    while (a[i] === b[i]) i++;
    assert.fail(`${what}: bytes differ first at offset ${i}`);
  }
}

export function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** Runs `work` over `items`, `width` at a time, so bulk setup is quick but not a stampede. */
export async function inBatches<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map(work));
  }
}
