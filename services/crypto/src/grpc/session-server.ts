import { create } from "@bufbuild/protobuf";
import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import { type CryptoApi, errors, isKesError, type Logger, type RequestOptions } from "@kes/core";
import { peerRefusal, type ServiceRole } from "@kes/keystore-service";
import {
  DecryptResponseSchema,
  EncryptResponseSchema,
  GenerateResponseSchema,
  type SessionCall,
  type SessionRequest,
  type SessionResponse,
  SessionResponseSchema,
  type SessionResult,
  SessionResultSchema,
} from "@kes/proto";

/**
 * The server side of CryptoService.Session (crypto.proto): the gateway's generate, encrypt and
 * decrypt over one long-lived stream. Each call runs exactly as its unary RPC would (same
 * CryptoApi call, same timeout, same error mapping); its result joins the others that are
 * ready in the same tick, and they go back as one message. The peer's role is checked once,
 * when the stream opens.
 */

/** What every call checks before it runs, and counts (shared with the unary handlers). */
export interface Gate {
  draining: boolean;
  calls: number;
  /** Of `calls`, those that came over Session streams (generate, encrypt, decrypt). */
  sessionCalls: number;
  readonly allowedPeers: readonly ServiceRole[] | undefined;
}

export type SessionStream = ServerDuplexStream<SessionRequest, SessionResponse>;

const NO_OPTIONS: RequestOptions = {};

/** The sessions a server has open, so that closing can end each once its calls are answered. */
export class Sessions {
  readonly #open = new Set<Session>();

  /** From now on new calls are refused; each stream ends when its calls are answered. */
  drain(): void {
    for (const session of this.#open) session.drain();
  }

  handler(
    api: CryptoApi,
    gate: Gate,
    logger: Logger,
    shuttingDown: string,
  ): (call: SessionStream) => void {
    return (call) => {
      if (gate.allowedPeers !== undefined) {
        const cert = call.getAuthContext().sslPeerCertificate;
        const refusal = peerRefusal(cert, gate.allowedPeers, "crypto");
        if (refusal !== undefined) {
          logger.warn({ path: call.getPath(), reason: refusal }, "crypto: peer refused");
          call.emit("error", { code: status.PERMISSION_DENIED, details: refusal });
          return;
        }
      }
      const session = new Session(api, gate, call, logger, shuttingDown, () =>
        this.#open.delete(session),
      );
      this.#open.add(session);
      if (gate.draining) session.drain();
    };
  }
}

class Session {
  readonly #api: CryptoApi;
  readonly #gate: Gate;
  readonly #call: SessionStream;
  readonly #logger: Logger;
  readonly #shuttingDown: string;
  readonly #onClosed: () => void;
  #pending = 0;
  #ready: SessionResult[] = [];
  #flushQueued = false;
  /** No more calls will come (the client half-closed, or the server drains). */
  #ending = false;
  #closed = false;

  constructor(
    api: CryptoApi,
    gate: Gate,
    call: SessionStream,
    logger: Logger,
    shuttingDown: string,
    onClosed: () => void,
  ) {
    this.#api = api;
    this.#gate = gate;
    this.#call = call;
    this.#logger = logger;
    this.#shuttingDown = shuttingDown;
    this.#onClosed = onClosed;
    call.on("data", (request: SessionRequest) => this.#receive(request));
    call.on("end", () => {
      this.#ending = true;
      this.#maybeEnd();
    });
    call.on("cancelled", () => this.#close());
    call.on("error", () => this.#close());
    call.on("close", () => this.#close());
  }

  drain(): void {
    this.#ending = true;
    this.#maybeEnd();
  }

  #receive(request: SessionRequest): void {
    for (const call of request.calls) {
      this.#gate.calls++;
      this.#gate.sessionCalls++;
      if (this.#gate.draining) {
        this.#answer(errorResult(call.id, errors.serviceUnavailable(this.#shuttingDown)));
        continue;
      }
      this.#pending++;
      const options = call.timeoutMs > 0 ? { timeoutMs: call.timeoutMs } : NO_OPTIONS;
      let outcome: Promise<SessionResult>;
      try {
        outcome = this.#run(call, options);
      } catch (err) {
        outcome = Promise.reject(err);
      }
      outcome.then(
        (result) => this.#settle(result),
        (err: unknown) => this.#settle(this.#failure(call.id, err)),
      );
    }
  }

  #run(call: SessionCall, options: RequestOptions): Promise<SessionResult> {
    const api = this.#api;
    const id = call.id;
    const op = call.op;
    switch (op.case) {
      case "generate":
        return api.generate(op.value.name, op.value.context, options).then((key) =>
          create(SessionResultSchema, {
            id,
            result: { case: "generate", value: create(GenerateResponseSchema, key) },
          }),
        );
      case "encrypt":
        return api
          .encrypt(op.value.name, op.value.plaintext, op.value.context, options)
          .then((ciphertext) =>
            create(SessionResultSchema, {
              id,
              result: { case: "encrypt", value: create(EncryptResponseSchema, { ciphertext }) },
            }),
          );
      case "decrypt":
        return api
          .decrypt(op.value.name, op.value.ciphertext, op.value.context, options)
          .then((plaintext) =>
            create(SessionResultSchema, {
              id,
              result: { case: "decrypt", value: create(DecryptResponseSchema, { plaintext }) },
            }),
          );
      default:
        return Promise.reject(errors.invalidArgument("invalid argument: unknown session call"));
    }
  }

  /** The error the unary call would have answered, logged as it would have been. */
  #failure(id: number, err: unknown): SessionResult {
    if (isKesError(err)) {
      if (err.kind === "internal") {
        this.#logger.error({ path: this.#call.getPath(), err: err.cause ?? err }, "internal error");
      }
      return errorResult(id, err);
    }
    this.#logger.error({ path: this.#call.getPath(), err }, "unexpected error");
    return errorResult(id, errors.internal());
  }

  #settle(result: SessionResult): void {
    this.#pending--;
    this.#answer(result);
    this.#maybeEnd();
  }

  #answer(result: SessionResult): void {
    if (this.#closed) return;
    this.#ready.push(result);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // Results settled in the same tick (cache hits answer in microtasks) leave together.
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#closed || this.#ready.length === 0) return;
    const results = this.#ready;
    this.#ready = [];
    this.#call.write(create(SessionResponseSchema, { results }));
  }

  #maybeEnd(): void {
    if (!this.#ending || this.#pending > 0 || this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#onClosed();
    this.#call.end();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = [];
    this.#onClosed();
  }
}

function errorResult(id: number, err: { kind: string; message: string; grpcCode: number }) {
  return create(SessionResultSchema, {
    id,
    result: {
      case: "error",
      value: { code: err.grpcCode, kind: err.kind, message: err.message },
    },
  });
}
