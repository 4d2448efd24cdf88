import { pino } from "pino";

/**
 * The in-process event bus behind /v1/log/audit and /v1/log/error (kes-api.md §8.3, §8.4).
 * Publishing never waits for a subscriber: each event is serialised once and handed to every
 * subscriber, whose own sink decides what to do when its client is slow (see the pipeline's
 * event sender: a bounded buffer, then the subscriber is dropped).
 */

/** Receives one nd-json line (ending in "\n") per event. Must not throw or block. */
export type Subscriber = (line: string) => void;

export interface EventSource {
  /**
   * Adds a subscriber; the returned function removes it. `onEnd` is called once when the source
   * ends (the server is shutting down): no more events will come. Subscribing to a source that
   * has ended calls `onEnd` at once.
   */
  subscribe(subscriber: Subscriber, onEnd?: () => void): () => void;
}

export class EventBus implements EventSource {
  readonly #subscribers = new Set<Subscriber>();
  readonly #enders = new Map<Subscriber, () => void>();
  #ended = false;

  get subscribers(): number {
    return this.#subscribers.size;
  }

  subscribe(subscriber: Subscriber, onEnd?: () => void): () => void {
    if (this.#ended) {
      onEnd?.();
      return () => {};
    }
    // A wrapper per subscription, so the same function can subscribe twice independently.
    const entry: Subscriber = (line) => subscriber(line);
    this.#subscribers.add(entry);
    if (onEnd !== undefined) this.#enders.set(entry, onEnd);
    return () => {
      this.#subscribers.delete(entry);
      this.#enders.delete(entry);
    };
  }

  /** Ends the source: every subscriber is removed and told (its `onEnd`); no more events. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const enders = [...this.#enders.values()];
    this.#subscribers.clear();
    this.#enders.clear();
    for (const onEnd of enders) onEnd();
  }

  /** Sends `event` as one JSON line to every subscriber; nothing is serialised without one. */
  publish(event: unknown): void {
    if (this.#subscribers.size === 0) return;
    const line = `${JSON.stringify(event)}\n`;
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(line);
      } catch {
        // A broken subscriber must not cost the request that produced the event.
        this.#subscribers.delete(subscriber);
        this.#enders.delete(subscriber);
      }
    }
  }
}

/** KES 2023's audit record (kes-api.md §8.3). */
export interface AuditEvent {
  /** Request arrival, RFC 3339. */
  readonly time: string;
  readonly request: {
    readonly ip?: string;
    readonly path: string;
    readonly identity?: string;
  };
  readonly response: {
    readonly code: number;
    /** Until the status was written, in nanoseconds truncated to whole microseconds. */
    readonly time: number;
  };
}

/** Default bound of what one log-stream client may leave unread before it is dropped. */
export const DEFAULT_STREAM_BUFFER_BYTES = 1 << 20;

export interface LogStreamsOptions {
  /** `log.audit`: also write each audit record to stdout. */
  readonly auditToStdout: boolean;
  /** Counts error events (kes_log_error_events). */
  readonly onError?: () => void;
  /** Bytes a subscriber may leave unread before it is dropped. Default 1 MiB. */
  readonly bufferLimit?: number;
  /** Where audit lines go when auditToStdout is on. Default: pino's asynchronous stdout. */
  readonly stdout?: { write(line: string): unknown };
}

export interface LogStreams {
  readonly audit: EventBus;
  readonly error: EventBus;
  /** Bytes a subscriber may leave unread before it is dropped. */
  readonly bufferLimit: number;
  /** Whether an audit event would go anywhere (so it is only built when it would). */
  readonly auditing: boolean;
  /** Sends an audit event to the subscribers, and to stdout when `log.audit` is on. */
  auditEvent(event: AuditEvent): void;
  /**
   * Records an error-log event: `{"message":"<date> <time> Error: <text>"}` to subscribers,
   * as KES's Go logger formats its lines. Writing it to stderr is the logger's job.
   */
  errorEvent(text: string): void;
  /** Turns the stdout audit log on or off (config reload). */
  setAuditToStdout(on: boolean): void;
  /** Ends both streams for their subscribers (shutdown): their responses end cleanly. */
  end(): void;
}

export function createLogStreams(options: LogStreamsOptions): LogStreams {
  const audit = new EventBus();
  const error = new EventBus();
  let toStdout = options.auditToStdout;
  let stdout = options.stdout;
  // Bare records, exactly the JSON lines KES prints (no level, time, pid or hostname), through
  // pino's buffered writer so a slow stdout never blocks a request.
  const out = () => {
    stdout ??= pino.destination({ dest: 1, sync: false });
    return stdout;
  };
  return {
    audit,
    error,
    bufferLimit: options.bufferLimit ?? DEFAULT_STREAM_BUFFER_BYTES,
    get auditing() {
      return toStdout || audit.subscribers > 0;
    },
    auditEvent(event) {
      audit.publish(event);
      if (toStdout) out().write(`${JSON.stringify(event)}\n`);
    },
    errorEvent(text) {
      options.onError?.();
      if (error.subscribers > 0)
        error.publish({ message: `${goLogTime(new Date())} Error: ${text}` });
    },
    setAuditToStdout(on) {
      toStdout = on;
    },
    end() {
      audit.end();
      error.end();
    },
  };
}

/** Go's log.LstdFlags prefix: `2006/01/02 15:04:05` in local time. */
export function goLogTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}/${p(date.getMonth() + 1)}/${p(date.getDate())} ` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
  );
}
