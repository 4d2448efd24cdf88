import { Code, ConnectError } from "@connectrpc/connect";
import { ERROR_TABLE, isKesError, KIND_METADATA_KEY, type Logger } from "@kes/core";

/**
 * A handler's failure as the contract's status code. KesError messages are written to be safe
 * on the wire (no values, no credentials); anything else is an internal failure that is logged
 * here and answered with a generic message.
 */
export function toConnectError(
  err: unknown,
  rpc: string,
  log: Logger,
  name?: string,
): ConnectError {
  if (err instanceof ConnectError) return err;
  if (isKesError(err) && err.kind !== "internal") {
    // The backend's failure (an outage, say), not ours: its message, no stack.
    if (err.kind === "keystore_failure") {
      log.warn(
        { rpc, ...(name === undefined ? {} : { name }), error: err.message },
        "keystore backend failure",
      );
    }
    // The kes-kind trailer lets our own clients keep the exact kind across the hop.
    return new ConnectError(err.message, err.grpcCode as number as Code, {
      [KIND_METADATA_KEY]: err.kind,
    });
  }
  log.error({ rpc, err }, "keystore: unexpected failure");
  return new ConnectError(ERROR_TABLE.internal.message, Code.Internal);
}
