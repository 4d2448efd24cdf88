import {
  type CallOptions,
  DEFAULT_LIST_LIMIT,
  errors,
  type ListRequest,
  MAX_VALUE_SIZE,
  validateName,
} from "@kes/core";

/** A list request with every field checked and defaulted. */
export interface CheckedListRequest {
  readonly prefix: string;
  readonly pageToken: string;
  readonly limit: number;
}

/** Throws invalid_argument unless `value` is 1 byte to 1 MiB. */
export function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw errors.invalidArgument("invalid argument: value is not a byte array");
  }
  if (value.byteLength === 0) throw errors.invalidArgument("invalid argument: value is empty");
  if (value.byteLength > MAX_VALUE_SIZE) {
    throw errors.invalidArgument(
      `invalid argument: value is larger than ${MAX_VALUE_SIZE} bytes (1 MiB)`,
    );
  }
}

/**
 * Throws invalid_argument unless `limit` is absent or a non-negative integer. 0 and absent mean
 * the default; larger values are capped at the maximum page size rather than refused, because a
 * caller asking for "many" is not wrong, only greedy.
 */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw errors.invalidArgument("invalid argument: limit must be a non-negative integer");
  }
  return Math.min(limit, DEFAULT_LIST_LIMIT);
}

/**
 * Checks a list request for the backends whose page token is the last name returned: such a
 * token is "" or a valid name, anything else was never issued and is malformed.
 */
export function checkListRequest(request: ListRequest): CheckedListRequest {
  if (request === null || typeof request !== "object") {
    throw errors.invalidArgument("invalid argument: list request is missing");
  }
  const prefix = request.prefix ?? "";
  if (typeof prefix !== "string") {
    throw errors.invalidArgument("invalid argument: prefix is not a string");
  }
  const pageToken = request.pageToken ?? "";
  if (typeof pageToken !== "string") {
    throw errors.invalidArgument("invalid argument: page token is not a string");
  }
  if (pageToken !== "") {
    try {
      validateName(pageToken);
    } catch {
      throw errors.invalidArgument("invalid argument: page token is malformed");
    }
  }
  return { prefix, pageToken, limit: checkLimit(request.limit) };
}

/** Throws keystore_failure when the caller has given up, so no work starts for nobody. */
export function throwIfAborted(options: CallOptions | undefined, backend: string): void {
  if (options?.signal?.aborted === true) {
    throw errors.keystoreFailure(`${backend} keystore: call aborted by the caller`);
  }
}
