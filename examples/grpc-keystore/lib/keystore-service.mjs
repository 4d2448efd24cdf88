// kes.keystore.v1.KeyStoreService: one handler per RPC, each doing exactly what the comments in
// proto/kes/keystore/v1/keystore.proto say. Field names are the proto's (keepCase), so this
// reads like the contract.

import { status } from "@grpc/grpc-js";
import { RpcError, rpcError } from "./errors.mjs";
import { checkName, checkValue, decodePageToken, pageOf, pageSize } from "./rules.mjs";

export function keyStoreHandlers(store, log) {
  const unary = (rpc, handler) => unaryHandler(rpc, handler, log);
  return {
    Create: unary("Create", async ({ name, value }, signal) => {
      checkName(name);
      checkValue(value);
      if (!(await store.create(name, value, signal))) {
        throw rpcError(status.ALREADY_EXISTS, "a value with this name already exists");
      }
      return {};
    }),

    Get: unary("Get", async ({ name }) => {
      checkName(name);
      const value = await store.get(name);
      if (value === undefined) throw rpcError(status.NOT_FOUND, "no value with this name");
      return { value };
    }),

    // Idempotent: deleting a missing name succeeds.
    Delete: unary("Delete", async ({ name }, signal) => {
      checkName(name);
      await store.delete(name, signal);
      return {};
    }),

    List: unary("List", async ({ prefix, page_token, limit }) => {
      const after = decodePageToken(page_token);
      return pageOf(await store.names(), { prefix, after, size: pageSize(limit) });
    }),

    // An unreachable backend is an answer (reachable: false), not an error.
    Status: unary("Status", async () => {
      const start = process.hrtime.bigint();
      const probe = await store.probe();
      const took = process.hrtime.bigint() - start;
      return {
        reachable: probe.reachable,
        latency: { seconds: Number(took / 1_000_000_000n), nanos: Number(took % 1_000_000_000n) },
        backend: store.kind,
        endpoint: store.endpoint,
        detail: probe.detail ?? "",
      };
    }),
  };
}

/**
 * Adapts an async handler to grpc-js's callback style. The handler gets an AbortSignal that
 * fires when the caller cancels or its deadline passes, so no write starts for nobody.
 */
function unaryHandler(rpc, handler, log) {
  return (call, callback) => {
    const controller = new AbortController();
    call.on("cancelled", () => controller.abort());
    if (call.cancelled) controller.abort();
    handler(call.request, controller.signal).then(
      (response) => callback(null, response),
      (err) => callback(toStatus(err, rpc, log)),
    );
  };
}

function toStatus(err, rpc, log) {
  if (err instanceof RpcError) {
    if (err.code === status.UNAVAILABLE) log.warn(`${rpc}: ${err.details}`);
    return err;
  }
  if (err?.name === "AbortError") {
    return rpcError(status.CANCELLED, "the call was cancelled or its deadline passed");
  }
  // A bug: logged here, and the caller learns no more than that something went wrong.
  log.error(`${rpc}: unexpected failure: ${err?.stack ?? err}`);
  return rpcError(status.INTERNAL, "internal error");
}
