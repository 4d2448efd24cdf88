// The rules of proto/kes/keystore/v1/keystore.proto that every keystore must apply, in one
// place: what a valid name and value are, how large a page is, and what a page token means.
// A port to another language starts here.

import { Buffer } from "node:buffer";
import { status } from "@grpc/grpc-js";
import { rpcError } from "./errors.mjs";

/** KES key names: 1 to 80 bytes of [0-9A-Za-z_-] (ASCII, so bytes and characters agree). */
const NAME = /^[0-9A-Za-z_-]{1,80}$/;
export const MAX_VALUE_BYTES = 1024 * 1024;
/** A List limit of 0 means this; a larger limit is capped to it. */
export const MAX_PAGE_SIZE = 1000;

export function isName(name) {
  return typeof name === "string" && NAME.test(name);
}

export function checkName(name) {
  if (typeof name !== "string" || name === "") {
    throw rpcError(status.INVALID_ARGUMENT, "invalid name: empty");
  }
  if (Buffer.byteLength(name) > 80) {
    throw rpcError(status.INVALID_ARGUMENT, "invalid name: longer than 80 bytes");
  }
  if (!NAME.test(name)) {
    // The name is not echoed: it may be anything, including control characters.
    throw rpcError(status.INVALID_ARGUMENT, "invalid name: only 0-9 A-Z a-z _ - are allowed");
  }
}

export function checkValue(value) {
  if (!Buffer.isBuffer(value) || value.length === 0) {
    throw rpcError(status.INVALID_ARGUMENT, "invalid value: empty");
  }
  if (value.length > MAX_VALUE_BYTES) {
    throw rpcError(status.INVALID_ARGUMENT, "invalid value: larger than 1 MiB");
  }
}

export function pageSize(limit) {
  return limit === 0 ? MAX_PAGE_SIZE : Math.min(limit, MAX_PAGE_SIZE);
}

// A page token names the last name of the previous page; the next page starts strictly after
// it. So a name created or deleted while a client pages can never make another one appear
// twice, and the server keeps no state per listing. The token is encoded so that clients treat
// it as opaque and a later version can change what is inside.
const TOKEN_PREFIX = "after:";

export function encodePageToken(lastName) {
  return Buffer.from(TOKEN_PREFIX + lastName).toString("base64url");
}

/** The name a page token starts after ("" for the first page); INVALID_ARGUMENT if forged. */
export function decodePageToken(token) {
  if (token === "") return "";
  const text = Buffer.from(token, "base64url").toString("latin1");
  const name = text.slice(TOKEN_PREFIX.length);
  const canonical = Buffer.from(text, "latin1").toString("base64url") === token;
  if (!canonical || !text.startsWith(TOKEN_PREFIX) || !isName(name)) {
    throw rpcError(status.INVALID_ARGUMENT, "invalid page token: not one this service issued");
  }
  return name;
}

/**
 * One page of `sortedNames` (ascending byte order, no duplicates): the names starting with
 * `prefix` after the token's name, at most `size` of them, and the token of the next page.
 */
export function pageOf(sortedNames, { prefix, after, size }) {
  const page = [];
  for (const name of sortedNames) {
    if (!name.startsWith(prefix) || (after !== "" && name <= after)) continue;
    if (page.length === size) {
      // There is at least one more name: hand out a token for the rest.
      return { names: page, next_page_token: encodePageToken(page[page.length - 1]) };
    }
    page.push(name);
  }
  return { names: page, next_page_token: "" };
}

/** Ascending byte order. Names are ASCII, where JavaScript's string order is byte order. */
export function byteOrder(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
