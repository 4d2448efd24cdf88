import { create } from "@bufbuild/protobuf";
import {
  type Client,
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { ERROR_TABLE, errors, KesError, kindFromGrpc } from "@kes/core";
import {
  CryptoService,
  type SessionCall,
  SessionCallSchema,
  type SessionRequest,
  SessionRequestSchema,
  type SessionResponse,
  type SessionResult,
} from "@kes/proto";
import { grpcServiceDefinition } from "./service-definition.js";

/**
 * The client side of CryptoService.Session (crypto.proto): generate, encrypt and decrypt of
 * one channel over one long-lived stream. Calls made in the same turn of the event loop leave
 * as one message; results come back matched by id.
 *
 * Deadlines and cancellation are enforced here, as a unary call's would be: a call fails with
 * `timeout` when its deadline passes or its signal aborts, and whatever the service answers
 * later is dropped (the service bounds its own work with the timeout it was sent).
 *
 * When the stream fails, the calls it had carried fail as a unary call in flight would (the
 * service may or may not have run them); calls not yet sent go on a new stream. Nothing is
 * sent twice. A service without Session (UNIMPLEMENTED, e.g. an older one during an upgrade)
 * is asked with unary calls from then on, and the calls it refused are re-sent that way.
 */

export type SessionOp = NonNullable<SessionCall["op"]["case"]>;
export type SessionOutcome = NonNullable<SessionResult["result"]["value"]>;

/** How a session falls back to unary calls, and maps a failed stream to the caller's error. */
export interface SessionFallback {
  unary(call: SessionCall["op"], deadlineAt: number, signal?: AbortSignal): Promise<unknown>;
  streamError(err: ServiceError): KesError;
}

const SESSION = grpcServiceDefinition(CryptoService).session;

interface Pending {
  readonly id: number;
  readonly op: SessionCall["op"];
  readonly deadlineAt: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  onAbort: (() => void) | undefined;
  /** The stream it was sent on; undefined while queued. */
  stream: ClientDuplexStream<SessionRequest, SessionResponse> | undefined;
}

export class CryptoSession {
  readonly #client: Client;
  readonly #fallback: SessionFallback;
  #stream: ClientDuplexStream<SessionRequest, SessionResponse> | undefined;
  readonly #pending = new Map<number, Pending>();
  #queue: Pending[] = [];
  #flushScheduled = false;
  #nextId = 0;
  #unary = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(client: Client, fallback: SessionFallback) {
    this.#client = client;
    this.#fallback = fallback;
  }

  /** Runs one call; `deadlineAt` is ms since the epoch. */
  call<R>(op: SessionCall["op"], deadlineAt: number, signal: AbortSignal | undefined): Promise<R> {
    if (this.#closed) return Promise.reject(errors.serviceUnavailable());
    if (this.#unary) return this.#fallback.unary(op, deadlineAt, signal) as Promise<R>;
    if (signal?.aborted) return Promise.reject(errors.timeout());
    return new Promise<R>((resolve, reject) => {
      const id = this.#newId();
      const pending: Pending = {
        id,
        op,
        deadlineAt,
        signal,
        resolve: resolve as (value: unknown) => void,
        reject,
        onAbort: undefined,
        stream: undefined,
      };
      if (signal !== undefined) {
        pending.onAbort = () => this.#fail(pending, errors.timeout());
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.#pending.set(id, pending);
      this.#queue.push(pending);
      this.#watch(deadlineAt);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // After this turn's I/O callbacks: the calls of every request read in it go together.
        setImmediate(() => this.#flush());
      }
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    const stream = this.#stream;
    this.#stream = undefined;
    stream?.cancel();
    for (const pending of [...this.#pending.values()]) {
      this.#fail(pending, errors.serviceUnavailable());
    }
  }

  #newId(): number {
    // uint32 on the wire; ids wrap, and one still in flight is skipped.
    do this.#nextId = (this.#nextId + 1) >>> 0;
    while (this.#pending.has(this.#nextId));
    return this.#nextId;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    const now = Date.now();
    const calls: SessionCall[] = [];
    const stream = this.#open();
    for (const pending of queue) {
      if (this.#pending.get(pending.id) !== pending) continue; // timed out or aborted meanwhile
      pending.stream = stream;
      const timeoutMs = Math.max(1, Math.min(0xffffffff, Math.ceil(pending.deadlineAt - now)));
      calls.push(create(SessionCallSchema, { id: pending.id, timeoutMs, op: pending.op }));
    }
    if (calls.length > 0) stream.write(create(SessionRequestSchema, { calls }));
  }

  #open(): ClientDuplexStream<SessionRequest, SessionResponse> {
    if (this.#stream !== undefined) return this.#stream;
    const stream = this.#client.makeBidiStreamRequest(
      SESSION.path,
      SESSION.requestSerialize,
      SESSION.responseDeserialize,
      new Metadata(),
      {},
    );
    this.#stream = stream;
    stream.on("data", (response: SessionResponse) => {
      for (const result of response.results) this.#settle(result);
    });
    stream.on("error", (err: ServiceError) => this.#ended(stream, err));
    // A clean end (a draining service) after every call was answered.
    stream.on("status", () => this.#ended(stream, undefined));
    return stream;
  }

  #settle(result: SessionResult): void {
    const pending = this.#pending.get(result.id);
    if (pending === undefined) return; // timed out or aborted: the answer is dropped
    this.#forget(pending);
    const outcome = result.result;
    if (outcome.case === "error") {
      const { code, kind, message } = outcome.value;
      const mapped = kindFromGrpc(code, kind);
      // Only texts our service wrote are passed on; anything else gets the table's text.
      const text = kind !== "" && message !== "" ? message : ERROR_TABLE[mapped].message;
      pending.reject(new KesError(mapped, text));
    } else if (outcome.case === undefined) {
      pending.reject(errors.internal());
    } else {
      pending.resolve(outcome.value);
    }
  }

  #ended(
    stream: ClientDuplexStream<SessionRequest, SessionResponse>,
    err: ServiceError | undefined,
  ): void {
    if (this.#stream === stream) this.#stream = undefined;
    const carried = [...this.#pending.values()].filter((p) => p.stream === stream);
    if (err?.code === status.UNIMPLEMENTED) {
      // A service without Session: unary calls from now on; it ran none of these.
      this.#unary = true;
      for (const pending of carried) {
        this.#forget(pending);
        this.#fallback
          .unary(pending.op, pending.deadlineAt, pending.signal)
          .then(pending.resolve, pending.reject);
      }
      return;
    }
    const failure =
      err === undefined
        ? errors.serviceUnavailable("service unavailable: crypto service is not reachable")
        : this.#fallback.streamError(err);
    for (const pending of carried) this.#fail(pending, failure);
  }

  #fail(pending: Pending, err: unknown): void {
    if (this.#pending.get(pending.id) !== pending) return;
    this.#forget(pending);
    pending.reject(err);
  }

  #forget(pending: Pending): void {
    this.#pending.delete(pending.id);
    if (pending.onAbort !== undefined) {
      pending.signal?.removeEventListener("abort", pending.onAbort);
    }
  }

  /** Keeps one timer, for the earliest deadline of the calls in flight. */
  #watch(deadlineAt: number): void {
    if (deadlineAt >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = deadlineAt;
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, deadlineAt - Date.now()));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const pending of [...this.#pending.values()]) {
      if (pending.deadlineAt <= now) this.#fail(pending, errors.timeout());
      else if (pending.deadlineAt < next) next = pending.deadlineAt;
    }
    if (next !== Number.POSITIVE_INFINITY) this.#watch(next);
  }
}
