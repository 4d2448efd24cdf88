import { type CiphertextItem, errors } from "@kes/core";
import {
  asObject,
  bytesField,
  invalidBody,
  parseJson,
  parseJsonObject,
  toBase64,
} from "../http/decode.js";
import type { Handler, Reply } from "../http/types.js";

/**
 * The hot path: generate, encrypt, decrypt, bulk decrypt (kes-api.md §2.1). Responses are
 * assembled directly: base64 never needs JSON escaping, so no serializer runs per request.
 */

const EMPTY_CONTEXT = new Uint8Array(0);

/** At most this many ciphertexts per bulk decrypt, as KES. */
export const MAX_BULK_ITEMS = 1000;

function json(body: string): Reply {
  return { type: "body", contentType: "application/json", body };
}

/** An empty body means no context (2024 behaviour; 2023 failed with `EOF`). */
export const generate: Handler = async (ctx) => {
  const context =
    ctx.body.length === 0 ? EMPTY_CONTEXT : bytesField(parseJsonObject(ctx.body), "context");
  const dek = await ctx.services.crypto.generate(ctx.argument, context, ctx.callOptions());
  return json(
    `{"plaintext":"${toBase64(dek.plaintext)}","ciphertext":"${toBase64(dek.ciphertext)}"}\n`,
  );
};

export const encrypt: Handler = async (ctx) => {
  const req = parseJsonObject(ctx.body);
  const plaintext = bytesField(req, "plaintext");
  const context = bytesField(req, "context");
  const ciphertext = await ctx.services.crypto.encrypt(
    ctx.argument,
    plaintext,
    context,
    ctx.callOptions(),
  );
  return json(`{"ciphertext":"${toBase64(ciphertext)}"}\n`);
};

export const decrypt: Handler = async (ctx) => {
  const req = parseJsonObject(ctx.body);
  const ciphertext = bytesField(req, "ciphertext");
  const context = bytesField(req, "context");
  const plaintext = await ctx.services.crypto.decrypt(
    ctx.argument,
    ciphertext,
    context,
    ctx.callOptions(),
  );
  return json(`{"plaintext":"${toBase64(plaintext)}"}\n`);
};

/** A JSON array of `{ciphertext, context?}`; any failure fails the whole call (as KES). */
export const bulkDecrypt: Handler = async (ctx) => {
  const value = parseJson(ctx.body);
  if (!Array.isArray(value)) {
    throw invalidBody("the body must be a JSON array of {ciphertext, context} objects");
  }
  if (value.length > MAX_BULK_ITEMS) throw errors.invalidArgument("too many ciphertexts");
  const items: CiphertextItem[] = value.map((item: unknown, i) => {
    const obj = asObject(item, `item ${i} must be a JSON object`);
    return {
      ciphertext: bytesField(obj, "ciphertext", `item ${i}: `),
      context: bytesField(obj, "context", `item ${i}: `),
    };
  });
  const plaintexts = await ctx.services.crypto.bulkDecrypt(ctx.argument, items, ctx.callOptions());
  const parts = plaintexts.map((p) => `{"plaintext":"${toBase64(p)}"}`);
  return json(`[${parts.join(",")}]\n`);
};

/** PUT /v1/key/hmac/<name> `{message}` -> `{hmac}` (2024); keys without an HMAC key: 409. */
export const hmac: Handler = async (ctx) => {
  const message = bytesField(parseJsonObject(ctx.body), "message");
  const sum = await ctx.services.crypto.hmac(ctx.argument, message, ctx.callOptions());
  return json(`{"hmac":"${toBase64(sum)}"}\n`);
};
