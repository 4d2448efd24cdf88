import { KesError } from "@kes/core";

export type Outcome =
  /** Still being served. */
  | "pending"
  | "answered"
  /** Connection closed before any response byte. */
  | "dropped"
  /** Status line and headers sent, then closed. */
  | "headers-only"
  /** Part of the body sent, then closed. */
  | "truncated"
  /** Never answered; closed by the client or the simulator. */
  | "hung";

export interface LogEntry {
  readonly seq: number;
  /** Virtual-clock time the request arrived (ISO 8601). */
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON (secrets redacted), text, or null. */
  readonly body: unknown;
  /** Status sent (also for headers-only/truncated); null when none was. */
  readonly status: number | null;
  readonly outcome: Outcome;
  /** The route table entry that served it, if any. */
  readonly route: string | null;
  /** Ids of the faults applied. */
  readonly faults: readonly string[];
  readonly durationMs: number;
}

export interface LogFilter {
  readonly method?: string;
  /** Exact path, or a RegExp tested against it. */
  readonly path?: string | RegExp;
  readonly route?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function matches(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false;
  if (filter.route !== undefined && entry.route !== filter.route) return false;
  if (typeof filter.path === "string" && entry.path !== filter.path) return false;
  if (filter.path instanceof RegExp && !filter.path.test(entry.path)) return false;
  return true;
}

/** Every data-, admin- and auth-plane request, for tests to assert on. Bounded in size. */
export class RequestLog {
  readonly #entries: Mutable<LogEntry>[] = [];
  readonly #limit: number;
  readonly #waiters = new Set<(e: LogEntry) => void>();
  #seq = 0;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** Records an arriving request; the returned function finishes it. */
  begin(
    init: Omit<LogEntry, "seq" | "status" | "outcome" | "durationMs" | "route" | "faults">,
  ): (result: {
    status: number | null;
    outcome: Outcome;
    route: string | null;
    faults: readonly string[];
  }) => void {
    const start = performance.now();
    const entry: Mutable<LogEntry> = {
      ...init,
      seq: ++this.#seq,
      status: null,
      outcome: "pending",
      route: null,
      faults: [],
      durationMs: 0,
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.shift();
    let done = false;
    return (result) => {
      if (done) return;
      done = true;
      Object.assign(entry, result, { durationMs: performance.now() - start });
      const snapshot = { ...entry };
      for (const w of [...this.#waiters]) w(snapshot);
    };
  }

  /** Snapshots of the entries (oldest first), optionally filtered. */
  entries(filter: LogFilter = {}): LogEntry[] {
    return this.#entries.filter((e) => matches(e, filter)).map((e) => ({ ...e }));
  }

  count(filter: LogFilter = {}): number {
    return this.#entries.filter((e) => matches(e, filter)).length;
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** Calls `listener` with every entry as it finishes; returns the unsubscribe function. */
  onEntry(listener: (e: LogEntry) => void): () => void {
    this.#waiters.add(listener);
    return () => this.#waiters.delete(listener);
  }

  /**
   * Resolves with the first finished entry (already logged or future) that satisfies the
   * predicate; rejects after `timeoutMs`.
   */
  waitFor(predicate: (e: LogEntry) => boolean, timeoutMs = 5000): Promise<LogEntry> {
    const found = this.#entries.find((e) => e.outcome !== "pending" && predicate(e));
    if (found !== undefined) return Promise.resolve({ ...found });
    return new Promise((resolve, reject) => {
      const waiter = (e: LogEntry) => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new KesError("timeout", `no matching request was logged within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}
