import {
  createCipheriv,
  createHash,
  createPrivateKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { errors } from "@kes/core";
import { decodePem, encodePem } from "./pem.js";

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

/**
 * Encrypts a private key the way `kes identity new --encrypt` did (Go's x509.EncryptPEMBlock):
 * the legacy RFC 1421 PEM encryption with AES-256-CBC, a random IV, and a key derived from the
 * password and the IV's first 8 bytes with OpenSSL's MD5 EVP_BytesToKey. Go, OpenSSL and
 * loadPrivateKey all read it. The label stays "PRIVATE KEY" (PKCS#8 inside).
 */
export function encryptPrivateKeyPem(keyPem: string, password: string): string {
  if (password === "") throw errors.invalidArgument("the password for the private key is empty");
  const der = loadPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-256-cbc", bytesToKey(password, iv.subarray(0, 8), 32), iv);
  const body = encodePem("PRIVATE KEY", Buffer.concat([cipher.update(der), cipher.final()]));
  const headers = `Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,${iv.toString("hex").toUpperCase()}\n\n`;
  return body.replace("-----\n", `-----\n${headers}`);
}

// OpenSSL's EVP_BytesToKey with MD5 and one iteration, as RFC 1421 PEM encryption uses.
function bytesToKey(password: string, salt: Uint8Array, size: number): Buffer {
  const out: Buffer[] = [];
  let digest = Buffer.alloc(0);
  let total = 0;
  while (total < size) {
    digest = createHash("md5").update(digest).update(password, "utf8").update(salt).digest();
    out.push(digest);
    total += digest.length;
  }
  return Buffer.concat(out).subarray(0, size);
}
