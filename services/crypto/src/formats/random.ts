import { randomFillSync } from "node:crypto";

/**
 * Bytes from the CSPRNG, drawn in blocks: a randomBytes() call costs about as much as filling
 * 4 KiB (each call is a native job of its own), and a generate needs two draws (the DEK and
 * the IV ‖ nonce). The bytes are the same CSPRNG output, each handed out once. Secrets and
 * public values come from separate blocks: public values are handed out as views of their
 * block, secrets are copied out of theirs (which nobody else can reach) and wiped there.
 */
const BLOCK_SIZE = 4096;

class RandomBlocks {
  #block = new Uint8Array(0);
  #used = 0;

  draw(size: number): Uint8Array {
    if (size > BLOCK_SIZE) return randomFillSync(new Uint8Array(size));
    if (this.#used + size > this.#block.length) {
      // A new block, never a refill: a view handed out earlier may still be read.
      this.#block = randomFillSync(new Uint8Array(BLOCK_SIZE));
      this.#used = 0;
    }
    const view = this.#block.subarray(this.#used, this.#used + size);
    this.#used += size;
    return view;
  }
}

const publicBlocks = new RandomBlocks();
const secretBlocks = new RandomBlocks();

/**
 * `size` random bytes that are not secret (an IV, a nonce), as a view into a block of other
 * public random bytes.
 */
export function randomPublic(size: number): Uint8Array {
  return publicBlocks.draw(size);
}

/** `size` random bytes in a buffer of their own, for a secret that leaves (a DEK). */
export function randomSecret(size: number): Buffer {
  const drawn = secretBlocks.draw(size);
  const out = Buffer.allocUnsafeSlow(size); // not Node's shared pool: nothing else beside it
  out.set(drawn);
  drawn.fill(0);
  return out;
}
