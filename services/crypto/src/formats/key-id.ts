import { createHash } from "node:crypto";

/** The KES key id: lowercase hex of the first 16 bytes of SHA-256(key bytes) (kes-api.md §6.1). */
export function keyId(key: Uint8Array): string {
  return createHash("sha256").update(key).digest().subarray(0, 16).toString("hex");
}
