/**
 * A malformed ciphertext or stored key. The message names what is wrong (for tests and logs)
 * and never contains the bytes themselves; callers turn it into the KES error they need.
 */
export class FormatError extends Error {
  override readonly name = "FormatError";
}
