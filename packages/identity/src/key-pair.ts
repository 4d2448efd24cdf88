import { KeyObject, webcrypto } from "node:crypto";
import { errors } from "@kes/core";
import type {
  Algorithm,
  CryptoKey,
  CryptoKeyPair,
  EcdsaParams,
  EcKeyImportParams,
} from "./x509.js";

/** The key types KES generates: Ed25519 (default, as KES) and ECDSA P-256 (as KES's FIPS builds). */
export type KeyType = "ed25519" | "ecdsa-p256";

export const KEY_TYPES: readonly KeyType[] = ["ed25519", "ecdsa-p256"];

interface Algorithms {
  readonly key: EcKeyImportParams | Algorithm;
  readonly sign: EcdsaParams | Algorithm;
}

const ALGORITHMS: Record<KeyType, Algorithms> = {
  ed25519: { key: { name: "Ed25519" }, sign: { name: "Ed25519" } },
  "ecdsa-p256": {
    key: { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams,
    sign: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
  },
};

export function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value);
}

export function checkKeyType(value: string | undefined): KeyType {
  if (value === undefined) return "ed25519";
  if (!isKeyType(value)) {
    throw errors.invalidArgument(
      `unsupported key type '${value}': expected one of ${KEY_TYPES.join(", ")}`,
    );
  }
  return value;
}

/** The WebCrypto key algorithm (generate/import parameters) of a key type. */
export function keyAlgorithm(type: KeyType): Algorithm {
  return ALGORITHMS[type].key;
}

/** The WebCrypto signature algorithm for certificates signed by a key of this type. */
export function signingAlgorithm(type: KeyType): Algorithm {
  return ALGORITHMS[type].sign;
}

/** A fresh key pair; the private key is extractable so it can be written as PKCS#8. */
export async function generateKeyPair(type: KeyType): Promise<CryptoKeyPair> {
  const pair = await webcrypto.subtle.generateKey(ALGORITHMS[type].key as EcKeyImportParams, true, [
    "sign",
    "verify",
  ]);
  return pair as CryptoKeyPair;
}

/** The type of a private key we can sign certificates with, or a clear error. */
export function keyTypeOf(key: KeyObject): KeyType {
  if (key.asymmetricKeyType === "ed25519") return "ed25519";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    return "ecdsa-p256";
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw errors.invalidArgument(
    `unsupported signing key: ${key.asymmetricKeyType ?? "unknown"}${curve ? ` (${curve})` : ""}; ` +
      `expected ${KEY_TYPES.join(" or ")}`,
  );
}

/** Imports a Node private key as a non-extractable WebCrypto signing key. */
export async function toSigningKey(key: KeyObject): Promise<{ key: CryptoKey; type: KeyType }> {
  const type = keyTypeOf(key);
  const der = key.export({ type: "pkcs8", format: "der" });
  const imported = await webcrypto.subtle.importKey(
    "pkcs8",
    der,
    ALGORITHMS[type].key as EcKeyImportParams,
    false,
    ["sign"],
  );
  return { key: imported, type };
}

/** A WebCrypto key as Node's KeyObject. */
export function toKeyObject(key: CryptoKey): KeyObject {
  return KeyObject.from(key);
}

/** PKCS#8 "PRIVATE KEY" PEM of a private key. */
export function privateKeyPem(key: CryptoKey | KeyObject): string {
  const object = key instanceof KeyObject ? key : toKeyObject(key);
  return object.export({ type: "pkcs8", format: "pem" }) as string;
}
