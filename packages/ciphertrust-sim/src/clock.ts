/**
 * The simulator's virtual clock: a base clock (real time unless injected) plus an offset that
 * tests move forward, so token expiry can be exercised without waiting.
 */
export class VirtualClock {
  readonly #base: () => number;
  #offsetMs = 0;

  constructor(base: () => number = Date.now) {
    this.#base = base;
  }

  /** Milliseconds since the epoch, as the simulator sees it. */
  now(): number {
    return this.#base() + this.#offsetMs;
  }

  /** Seconds since the epoch (JWT `iat`/`exp` unit). */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Moves virtual time forward; time never goes backwards. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError("clock advance must be a non-negative number of milliseconds");
    }
    this.#offsetMs += ms;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  resetOffset(): void {
    this.#offsetMs = 0;
  }
}
