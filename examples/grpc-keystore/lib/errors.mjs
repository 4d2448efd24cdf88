// gRPC errors. grpc-js sends any object with a numeric `code` and a `details` text as that
// status; everything else becomes UNKNOWN, so handlers throw these and nothing else on purpose.

import { status } from "@grpc/grpc-js";

export class RpcError extends Error {
  constructor(code, details) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

export function rpcError(code, details) {
  return new RpcError(code, details);
}

/** A filesystem failure as the contract wants it: the backend cannot be used right now. */
export function unavailable(what, err) {
  // Only the error code (ENOSPC, EACCES, ...) goes out: no paths beyond what the operator set,
  // and never a value.
  return rpcError(status.UNAVAILABLE, `${what}: ${err?.code ?? "I/O error"}`);
}
