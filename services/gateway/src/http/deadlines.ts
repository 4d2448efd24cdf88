/**
 * Request deadlines without a timer per request. Every request of one route has the same
 * timeout, so requests joining a list at arrival are already in deadline order: one list per
 * timeout value, and one timer per list armed for its head. Adding and removing are O(1) link
 * changes; the timer is only re-armed when it fires (finished requests leave the list without
 * touching it), so a request that finishes in time costs no timer work at all.
 */

/** Something with a deadline; the list owns the link fields. */
export interface Expiring {
  /**
   * Called once, when the deadline passes while it is still in its list, or when the list is
   * cut short (`shutdown`: the server's grace period ended).
   */
  expire(shutdown?: boolean): void;
  /** The deadline, ms on the monotonic clock (performance.now()). Set by the list. */
  deadlineAt: number;
  prevDeadline: Expiring | undefined;
  nextDeadline: Expiring | undefined;
  /** The list it is in, if any. */
  deadlines: DeadlineList | undefined;
}

export class DeadlineList {
  readonly timeoutMs: number;
  #head: Expiring | undefined;
  #tail: Expiring | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    if (!(timeoutMs > 0)) throw new Error(`deadline list: bad timeout ${timeoutMs}`);
    this.timeoutMs = timeoutMs;
  }

  /** Starts `item`'s deadline: `timeoutMs` from `now`. */
  add(item: Expiring, now: number): void {
    item.deadlineAt = now + this.timeoutMs;
    item.deadlines = this;
    item.nextDeadline = undefined;
    item.prevDeadline = this.#tail;
    if (this.#tail === undefined) this.#head = item;
    else this.#tail.nextDeadline = item;
    this.#tail = item;
    if (this.#timer === undefined) this.#arm(this.timeoutMs);
  }

  /** Ends `item`'s deadline (it finished in time). Safe to call when it is not listed. */
  remove(item: Expiring): void {
    if (item.deadlines !== this) return;
    const { prevDeadline: prev, nextDeadline: next } = item;
    if (prev === undefined) this.#head = next;
    else prev.nextDeadline = next;
    if (next === undefined) this.#tail = prev;
    else next.prevDeadline = prev;
    item.prevDeadline = undefined;
    item.nextDeadline = undefined;
    item.deadlines = undefined;
  }

  get empty(): boolean {
    return this.#head === undefined;
  }

  /** Expires every listed item now, as cut short (`expire(true)`), and disarms the timer. */
  expireAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (let head = this.#head; head !== undefined; head = this.#head) {
      this.remove(head);
      try {
        head.expire(true);
      } catch {
        // expire() handles its own errors; nothing can be done about one here
      }
    }
  }

  #arm(ms: number): void {
    // Unref'd: an open connection keeps the process alive, a pending deadline alone must not.
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, Math.ceil(ms)));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    // A failing expire() must not stop the others, nor leave the list without a timer.
    let head = this.#head;
    while (head !== undefined && head.deadlineAt <= now) {
      this.remove(head);
      try {
        head.expire();
      } catch {
        // expire() handles its own errors; nothing can be done about one here
      }
      head = this.#head;
    }
    if (head !== undefined) this.#arm(head.deadlineAt - now);
  }
}

/** One list per timeout value, made on first use. */
export class Deadlines {
  readonly #lists = new Map<number, DeadlineList>();

  add(item: Expiring, timeoutMs: number, now: number): void {
    let list = this.#lists.get(timeoutMs);
    if (list === undefined) {
      list = new DeadlineList(timeoutMs);
      this.#lists.set(timeoutMs, list);
    }
    list.add(item, now);
  }

  remove(item: Expiring): void {
    item.deadlines?.remove(item);
  }

  /** Every list's expireAll(). */
  expireAll(): void {
    for (const list of this.#lists.values()) list.expireAll();
  }
}
