import { create } from "@bufbuild/protobuf";
import {
  type Client,
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { ERROR_TABLE, errors, KesError, kindFromGrpc, type RequestOptions } from "@kes/core";
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
 * later is dropped (the service bounds its own work with the timeout it was sent). One timer
 * per session ticks every TICK_MS while calls are in flight: it expires calls past their
 * deadline, and it is what first looks at a call's signal, so a call answered within a tick
 * never touches it (the gateway makes its signals only when asked for one: most calls never
 * need one). An abort is therefore noticed within TICK_MS, a deadline within TICK_MS of it.
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
  unary(call: SessionCall["op"], deadlineAt: number, options?: RequestOptions): Promise<unknown>;
  streamError(err: ServiceError): KesError;
}

const SESSION = grpcServiceDefinition(CryptoService).session;

/** How often a session looks at its calls in flight (deadlines, aborted signals). */
export const TICK_MS = 20;

interface Pending {
  readonly id: number;
  readonly op: SessionCall["op"];
  readonly deadlineAt: number;
  readonly options: RequestOptions | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  /** Set once a tick has looked at the call's signal and listens to it. */
  signal: AbortSignal | undefined;
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
  #ticker: NodeJS.Timeout | undefined;

  constructor(client: Client, fallback: SessionFallback) {
    this.#client = client;
    this.#fallback = fallback;
  }

  /** Runs one call; `deadlineAt` is ms since the epoch; `options.signal` is read lazily. */
  call<R>(op: SessionCall["op"], deadlineAt: number, options?: RequestOptions): Promise<R> {
    if (this.#closed) return Promise.reject(errors.serviceUnavailable());
    if (this.#unary) return this.#fallback.unary(op, deadlineAt, options) as Promise<R>;
    return new Promise<R>((resolve, reject) => {
      const id = this.#newId();
      const pending: Pending = {
        id,
        op,
        deadlineAt,
        options,
        resolve: resolve as (value: unknown) => void,
        reject,
        signal: undefined,
        onAbort: undefined,
        stream: undefined,
      };
      this.#pending.set(id, pending);
      this.#queue.push(pending);
      if (this.#ticker === undefined) {
        this.#ticker = setInterval(() => this.#tick(), TICK_MS);
        this.#ticker.unref();
      }
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // After this turn's I/O callbacks: the calls of every request read in it go together.
        setImmediate(() => this.#flush());
      }
    });
  }

  /** No call in flight or waiting to be sent. */
  get idle(): boolean {
    return this.#pending.size === 0;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
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
          .unary(pending.op, pending.deadlineAt, pending.options)
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

  /** Expires calls past their deadline; listens to the signals of the ones still waiting. */
  #tick(): void {
    if (this.#pending.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
      return;
    }
    const now = Date.now();
    for (const pending of [...this.#pending.values()]) {
      if (pending.deadlineAt <= now) {
        this.#fail(pending, errors.timeout());
        continue;
      }
      if (pending.onAbort !== undefined) continue;
      const signal = pending.options?.signal;
      if (signal === undefined) continue;
      if (signal.aborted) {
        this.#fail(pending, errors.timeout());
        continue;
      }
      pending.signal = signal;
      pending.onAbort = () => this.#fail(pending, errors.timeout());
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
  }
}
