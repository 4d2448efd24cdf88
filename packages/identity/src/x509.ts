// @peculiar/x509 resolves its internals through tsyringe, which needs the Reflect metadata API
// while the library loads: the polyfill must be evaluated first, so this import stays on top.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/** Node's WebCrypto, passed explicitly to every @peculiar/x509 call that signs or hashes. */
export const crypto = webcrypto;

// The library's typings name DOM WebCrypto types; Node's are the same objects.
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type Algorithm = webcrypto.Algorithm;
export type EcKeyImportParams = webcrypto.EcKeyImportParams;
export type EcdsaParams = webcrypto.EcdsaParams;

x509.cryptoProvider.set(crypto);

export { x509 };
