import { createPrivateKey, createPublicKey, type KeyObject, randomBytes } from "node:crypto";
import { errors } from "@kes/core";
import { type CertificateMaterial, certificateFromKey } from "./certificate.js";
import { identityOfSpki } from "./spki.js";

/** A KES API key (kes-api.md §4.3) and the identity it authenticates as. */
export interface ApiKey {
  readonly apiKey: string;
  readonly identity: string;
}

export interface ParsedApiKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly identity: string;
}

const PREFIX = "kes:v1:";
const TYPE_ED25519 = 0x00;
const SEED_SIZE = 32;
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): the DER up to the 32 seed bytes.
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A fresh API key: `kes:v1:` + base64(0x00 ‖ 32-byte Ed25519 seed). */
export function generateApiKey(): ApiKey {
  const raw = Buffer.concat([Buffer.of(TYPE_ED25519), randomBytes(SEED_SIZE)]);
  const apiKey = PREFIX + raw.toString("base64");
  return { apiKey, identity: parseApiKey(apiKey).identity };
}

/** Opens an API key; errors say what is wrong without echoing the key. */
export function parseApiKey(value: string): ParsedApiKey {
  const text = value.trim();
  if (!text.startsWith(PREFIX)) {
    const version = /^kes:([^:]*):/.exec(text)?.[1];
    throw errors.invalidArgument(
      version === undefined
        ? `invalid API key: it must start with '${PREFIX}'`
        : `invalid API key: unsupported version '${version}' (expected '${PREFIX}')`,
    );
  }
  const b64 = text.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw errors.invalidArgument("invalid API key: the part after 'kes:v1:' is not valid base64");
  }
  const raw = Buffer.from(b64, "base64");
  if (raw.length !== 1 + SEED_SIZE) {
    throw errors.invalidArgument(
      `invalid API key: it holds ${raw.length} bytes, expected ${1 + SEED_SIZE}`,
    );
  }
  if (raw[0] !== TYPE_ED25519) {
    throw errors.invalidArgument(`invalid API key: unsupported key type ${raw[0]} (0 = Ed25519)`);
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, raw.subarray(1)]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: "spki", format: "der" });
  return { privateKey, publicKey, identity: identityOfSpki(spki) };
}

/**
 * The self-signed client certificate a KES client makes from an API key (§4.3): CN = identity,
 * random 128-bit serial, valid for 90 days from now, digitalSignature, clientAuth, not a CA,
 * signed with the Ed25519 key. keyPem is the key in PKCS#8, for TLS client options.
 */
export async function certificateFromApiKey(apiKey: string): Promise<CertificateMaterial> {
  const { privateKey, identity } = parseApiKey(apiKey);
  return certificateFromKey(privateKey, { subject: identity, usage: "client", validityDays: 90 });
}
