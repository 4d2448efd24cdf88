import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { type KeyStore, type Logger, validateName } from "@kes/core";
import type { KeyStoreService } from "@kes/proto";
import { checkValue } from "../validate.js";
import { listPageToProto, listRequestFromProto, statusToProto } from "./convert.js";
import { toConnectError } from "./errors.js";

/**
 * kes.keystore.v1.KeyStoreService over any KeyStore. Requests are validated here, at the edge,
 * before a backend sees them; the caller's deadline reaches the backend as an abort signal.
 */
export function keyStoreServiceImpl(
  store: KeyStore,
  log: Logger,
): ServiceImpl<typeof KeyStoreService> {
  /** `name`: the key the call is about, for the log line of a failure. */
  async function run<T>(rpc: string, name: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toConnectError(err, rpc, log, name);
    }
  }
  const call = (ctx: HandlerContext) => ({ signal: ctx.signal });

  return {
    create: (req, ctx) =>
      run("Create", req.name, async () => {
        validateName(req.name);
        checkValue(req.value);
        await store.create(req.name, req.value, call(ctx));
        return {};
      }),
    get: (req, ctx) =>
      run("Get", req.name, async () => {
        validateName(req.name);
        return { value: await store.get(req.name, call(ctx)) };
      }),
    delete: (req, ctx) =>
      run("Delete", req.name, async () => {
        validateName(req.name);
        await store.delete(req.name, call(ctx));
        return {};
      }),
    list: (req, ctx) =>
      run("List", undefined, async () =>
        listPageToProto(await store.list(listRequestFromProto(req), call(ctx))),
      ),
    status: (_req, ctx) =>
      run("Status", undefined, async () => statusToProto(await store.status(call(ctx)))),
  };
}
