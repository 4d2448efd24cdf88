/**
 * The smallest store that passes the contract, and flawed variants of it: the suite's own tests
 * run it to show the suite passes a correct store and catches each flaw.
 */
import {
  type CallOptions,
  DEFAULT_LIST_LIMIT,
  errors,
  type KeyStore,
  type ListRequest,
  MAX_VALUE_SIZE,
  validateName,
} from "@kes/core";

export type Flaw = "none" | "overwrites" | "unsorted" | "loses-bytes" | "duplicates-pages";

export function mapStore(flaw: Flaw = "none"): KeyStore {
  const values = new Map<string, Uint8Array>();
  let closed = false;
  const enter = (options?: CallOptions) => {
    if (closed || options?.signal?.aborted === true)
      throw errors.keystoreFailure("map: unavailable");
  };
  const checkValue = (value: Uint8Array) => {
    if (value.byteLength === 0 || value.byteLength > MAX_VALUE_SIZE) {
      throw errors.invalidArgument("invalid argument: value size");
    }
  };
  return {
    kind: "map",
    endpoint: "map",
    async create(name, value, options) {
      validateName(name);
      checkValue(value);
      enter(options);
      if (values.has(name) && flaw !== "overwrites") throw errors.keyExists();
      const copy = Uint8Array.from(value);
      values.set(name, flaw === "loses-bytes" ? copy.filter((b) => b !== 0) : copy);
    },
    async get(name, options) {
      validateName(name);
      enter(options);
      const value = values.get(name);
      if (value === undefined) throw errors.keyNotFound();
      return Uint8Array.from(value);
    },
    async delete(name, options) {
      validateName(name);
      enter(options);
      values.delete(name);
    },
    async list(request: ListRequest, options) {
      const limit = request.limit ?? 0;
      if (!Number.isSafeInteger(limit) || limit < 0)
        throw errors.invalidArgument("invalid argument: limit");
      const token = request.pageToken ?? "";
      if (token !== "") {
        try {
          validateName(token);
        } catch {
          throw errors.invalidArgument("invalid argument: page token");
        }
      }
      enter(options);
      const max = limit === 0 ? DEFAULT_LIST_LIMIT : Math.min(limit, DEFAULT_LIST_LIMIT);
      const names = [...values.keys()].filter((n) => n.startsWith(request.prefix));
      if (flaw !== "unsorted") names.sort();
      // "duplicates-pages" restarts every page one name early.
      const after = names.filter((n) => token === "" || n > token);
      const start = flaw === "duplicates-pages" && token !== "" ? [token, ...after] : after;
      const page = start.slice(0, max);
      return { names: page, nextPageToken: start.length > max ? (page.at(-1) ?? "") : "" };
    },
    async status(options) {
      enter(options);
      return { reachable: true, latencyMs: 0, backend: "map", endpoint: "map" };
    },
    async close() {
      closed = true;
    },
  };
}
