/**
 * HChaCha20 (draft-irtf-cfrg-xchacha §2.2): the ChaCha20 block function over
 * constants ‖ key ‖ 16-byte input, 20 rounds, *without* the final addition of the input
 * state, keeping words 0-3 and 12-15. Node's crypto has ChaCha20-Poly1305 but not this
 * subkey derivation, which KES uses to turn (master key, IV) into a per-message key.
 */

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const;

function readLE32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! |
      (bytes[offset + 1]! << 8) |
      (bytes[offset + 2]! << 16) |
      (bytes[offset + 3]! << 24)) >>>
    0
  );
}

function writeLE32(out: Uint8Array, offset: number, word: number): void {
  out[offset] = word;
  out[offset + 1] = word >>> 8;
  out[offset + 2] = word >>> 16;
  out[offset + 3] = word >>> 24;
}

function quarterRound(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  let t: number;
  x[a] = x[a]! + x[b]!;
  t = x[d]! ^ x[a]!;
  x[d] = (t << 16) | (t >>> 16);
  x[c] = x[c]! + x[d]!;
  t = x[b]! ^ x[c]!;
  x[b] = (t << 12) | (t >>> 20);
  x[a] = x[a]! + x[b]!;
  t = x[d]! ^ x[a]!;
  x[d] = (t << 8) | (t >>> 24);
  x[c] = x[c]! + x[d]!;
  t = x[b]! ^ x[c]!;
  x[b] = (t << 7) | (t >>> 25);
}

/** Derives a 32-byte subkey from a 32-byte key and a 16-byte input. */
export function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError("hchacha20: key must be 32 bytes");
  if (input.length !== 16) throw new RangeError("hchacha20: input must be 16 bytes");
  // Uint32Array stores every sum modulo 2^32, which is exactly ChaCha's addition.
  const x = new Uint32Array(16);
  x.set(SIGMA, 0);
  for (let i = 0; i < 8; i++) x[4 + i] = readLE32(key, i * 4);
  for (let i = 0; i < 4; i++) x[12 + i] = readLE32(input, i * 4);
  for (let round = 0; round < 20; round += 2) {
    quarterRound(x, 0, 4, 8, 12);
    quarterRound(x, 1, 5, 9, 13);
    quarterRound(x, 2, 6, 10, 14);
    quarterRound(x, 3, 7, 11, 15);
    quarterRound(x, 0, 5, 10, 15);
    quarterRound(x, 1, 6, 11, 12);
    quarterRound(x, 2, 7, 8, 13);
    quarterRound(x, 3, 4, 9, 14);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) {
    writeLE32(out, i * 4, x[i]!);
    writeLE32(out, 16 + i * 4, x[12 + i]!);
  }
  return out;
}
