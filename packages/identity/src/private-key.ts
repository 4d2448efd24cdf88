import { createPrivateKey, type KeyObject } from "node:crypto";
import { errors } from "@kes/core";
import { decodePem } from "./pem.js";

const KEY_LABELS = new Set([
  "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
]);

/**
 * Opens a PEM private key: PKCS#8 ("PRIVATE KEY"), PKCS#1/SEC1 ("RSA/EC PRIVATE KEY"), encrypted
 * PKCS#8 ("ENCRYPTED PRIVATE KEY") and the legacy RFC 1421 encryption (`Proc-Type: 4,ENCRYPTED`,
 * which KES wrote for `kes identity new --encrypt`, also around "PRIVATE KEY" blocks).
 * Errors never contain the key or the password.
 */
export function loadPrivateKey(pem: string, password?: string): KeyObject {
  const block = decodePem(pem).find((b) => KEY_LABELS.has(b.label));
  if (block === undefined) {
    throw errors.invalidArgument("not a private key: no PEM PRIVATE KEY block found");
  }
  const encrypted =
    block.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/i.test(block.headers["Proc-Type"] ?? "");
  if (encrypted && (password === undefined || password === "")) {
    throw errors.invalidArgument("the private key is encrypted: a password is required");
  }
  try {
    // Only the key's own block goes to OpenSSL, so a cert+key bundle works too.
    const key = blockText(pem, block.label);
    return createPrivateKey({ key, format: "pem", ...(encrypted ? { passphrase: password } : {}) });
  } catch {
    if (encrypted) {
      throw errors.invalidArgument(
        "cannot decrypt the private key: the password is wrong (or the key is damaged)",
      );
    }
    throw errors.invalidArgument(
      `not a valid private key: the ${block.label} block cannot be parsed`,
    );
  }
}

function blockText(pem: string, label: string): string {
  const begin = pem.indexOf(`-----BEGIN ${label}-----`);
  const endMarker = `-----END ${label}-----`;
  const end = pem.indexOf(endMarker, begin);
  return pem.slice(begin, end + endMarker.length);
}
