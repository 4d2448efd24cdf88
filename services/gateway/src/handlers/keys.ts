import { type Algorithm, type ImportedKey, isKesError } from "@kes/core";
import { bytesField, invalidBody, parseJsonObject, stringField } from "../http/decode.js";
import type { Handler, Reply } from "../http/types.js";

/** The key-management APIs: create, import, describe, delete (kes-api.md §2.1). */

const EMPTY: Reply = { type: "empty" };

export const createKey: Handler = async (ctx) => {
  await ctx.services.crypto.createKey(ctx.argument, ctx.identity(), ctx.callOptions());
  return EMPTY;
};

export const importKey: Handler = async (ctx) => {
  const key = parseImport(ctx.body, ctx.identity());
  await ctx.services.crypto.importKey(ctx.argument, key, ctx.callOptions());
  return EMPTY;
};

/** KES 2023 set no Content-Type on describe, so Go sniffed text/plain (as recorded). */
export const describeKey: Handler = async (ctx) => {
  const info = await ctx.services.crypto.describeKey(ctx.argument, ctx.callOptions());
  const body = {
    name: info.name,
    id: info.id,
    ...(info.algorithm === undefined ? {} : { algorithm: info.algorithm }),
    created_at: info.createdAt,
    ...(info.createdBy === undefined || info.createdBy === ""
      ? {}
      : { created_by: info.createdBy }),
  };
  return {
    type: "body",
    contentType: "text/plain; charset=utf-8",
    body: `${JSON.stringify(body)}\n`,
  };
};

/** KES 2023 answers 200 for a key that does not exist. */
export const deleteKey: Handler = async (ctx) => {
  try {
    await ctx.services.crypto.deleteKey(ctx.argument, ctx.callOptions());
  } catch (err) {
    if (!isKesError(err, "key_not_found")) throw err;
  }
  return EMPTY;
};

const ALGORITHMS: Readonly<Record<string, Algorithm | undefined>> = {
  "": undefined,
  "AES256-GCM_SHA256": "AES256-GCM_SHA256",
  AES256: "AES256-GCM_SHA256",
  "XCHACHA20-POLY1305": "XCHACHA20-POLY1305",
  ChaCha20: "XCHACHA20-POLY1305",
};

/**
 * Both spellings of the import body: 2023 `{bytes, algorithm}` and 2024 `{key, cipher}`
 * (with 2024's algorithm names). The key size is the crypto service's to check.
 */
function parseImport(body: Buffer, createdBy: string): ImportedKey {
  const obj = parseJsonObject(body);
  const given = (field: string) => obj[field] !== undefined && obj[field] !== null;
  if (given("bytes") && given("key")) {
    throw invalidBody('give the key as "bytes" or as "key", not both');
  }
  if (given("algorithm") && given("cipher")) {
    throw invalidBody('give the algorithm as "algorithm" or as "cipher", not both');
  }
  const key = bytesField(obj, given("key") ? "key" : "bytes");
  const name = stringField(obj, given("cipher") ? "cipher" : "algorithm") ?? "";
  if (!Object.hasOwn(ALGORITHMS, name)) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}...` : name;
    throw invalidBody(
      `unsupported algorithm '${shown}': use AES256-GCM_SHA256 (AES256) or XCHACHA20-POLY1305 (ChaCha20)`,
    );
  }
  const algorithm = ALGORITHMS[name];
  return algorithm === undefined ? { key, createdBy } : { key, algorithm, createdBy };
}
