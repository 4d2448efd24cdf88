import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import type { Algorithm } from "@kes/core";
import { FormatError } from "./format-error.js";
import { hchacha20 } from "./hchacha20.js";
import { randomPublic } from "./random.js";

/**
 * KES's AEAD construction (kes-api.md §6.3): a per-message key derived from the master key
 * and a random 16-byte IV, then a standard 12-byte-nonce AEAD with the context as AAD.
 */

export const AES256_GCM_SHA256 = "AES256-GCM_SHA256" satisfies Algorithm;
export const XCHACHA20_POLY1305 = "XCHACHA20-POLY1305" satisfies Algorithm;
export const ALGORITHMS: readonly Algorithm[] = [AES256_GCM_SHA256, XCHACHA20_POLY1305];

export const KEY_SIZE = 32;
export const IV_SIZE = 16;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;

export function isAlgorithm(value: unknown): value is Algorithm {
  return value === AES256_GCM_SHA256 || value === XCHACHA20_POLY1305;
}

/** The pieces of one sealed message; `sealed` is the AEAD output, ciphertext ‖ 16-byte tag. */
export interface SealedMessage {
  readonly iv: Uint8Array;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
}

// One branch per algorithm: Node's overloads type each cipher name separately.
function encryptor(algorithm: Algorithm, key: Uint8Array, nonce: Uint8Array) {
  const options = { authTagLength: TAG_SIZE };
  return algorithm === AES256_GCM_SHA256
    ? createCipheriv("aes-256-gcm", key, nonce, options)
    : createCipheriv("chacha20-poly1305", key, nonce, options);
}

function decryptor(algorithm: Algorithm, key: Uint8Array, nonce: Uint8Array) {
  const options = { authTagLength: TAG_SIZE };
  return algorithm === AES256_GCM_SHA256
    ? createDecipheriv("aes-256-gcm", key, nonce, options)
    : createDecipheriv("chacha20-poly1305", key, nonce, options);
}

function deriveKey(algorithm: Algorithm, masterKey: Uint8Array, iv: Uint8Array): Uint8Array {
  if (masterKey.length !== KEY_SIZE) throw new FormatError("master key must be 32 bytes");
  if (iv.length !== IV_SIZE) throw new FormatError("iv must be 16 bytes");
  return algorithm === AES256_GCM_SHA256
    ? createHmac("sha256", masterKey).update(iv).digest()
    : hchacha20(masterKey, iv);
}

/**
 * Seals `plaintext` under `masterKey` with `aad` as associated data. IV and nonce come from
 * the CSPRNG; tests may pass fixed ones to reproduce known vectors.
 */
export function seal(
  algorithm: Algorithm,
  masterKey: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  random: Uint8Array = randomPublic(IV_SIZE + NONCE_SIZE),
): SealedMessage {
  if (random.length !== IV_SIZE + NONCE_SIZE) throw new FormatError("iv ‖ nonce must be 28 bytes");
  const iv = random.subarray(0, IV_SIZE);
  const nonce = random.subarray(IV_SIZE);
  const cipher = encryptor(algorithm, deriveKey(algorithm, masterKey, iv), nonce);
  if (aad.length > 0) cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  cipher.final(); // GCM and ChaCha20-Poly1305 are stream modes: final() adds no bytes.
  const sealed = Buffer.concat([head, cipher.getAuthTag()], head.length + TAG_SIZE);
  return { iv, nonce, sealed };
}

/** Opens a sealed message; throws FormatError on any mismatch (wrong key, context, tag…). */
export function open(
  algorithm: Algorithm,
  masterKey: Uint8Array,
  message: SealedMessage,
  aad: Uint8Array,
): Uint8Array {
  const { iv, nonce, sealed } = message;
  if (nonce.length !== NONCE_SIZE) throw new FormatError("nonce must be 12 bytes");
  if (sealed.length < TAG_SIZE) throw new FormatError("ciphertext is shorter than its tag");
  const decipher = decryptor(algorithm, deriveKey(algorithm, masterKey, iv), nonce);
  const split = sealed.length - TAG_SIZE;
  decipher.setAuthTag(sealed.subarray(split));
  if (aad.length > 0) decipher.setAAD(aad);
  const head = decipher.update(sealed.subarray(0, split));
  try {
    decipher.final();
  } catch {
    throw new FormatError("ciphertext is not authentic");
  }
  return head;
}
