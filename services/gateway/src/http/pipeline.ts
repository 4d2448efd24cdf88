import { errors, isKesError, type RequestOptions, validateName, validatePattern } from "@kes/core";
import type { EventSource } from "../events/streams.js";
import { peerIdentity } from "../peer.js";
import { type Interruptible, readBody } from "./body.js";
import { type DeadlineList, Deadlines, type Expiring } from "./deadlines.js";
import { errorReply, HttpError, httpErrors } from "./errors.js";
import type { HttpExchange } from "./exchange.js";
import { type Observed, observeHead } from "./observe.js";
import { cleanPath, location, parseTarget, trimSpace } from "./paths.js";
import { writeBody, writeEmpty, writeError, writeRedirect } from "./respond.js";
import type { RouteTable } from "./route-table.js";
import type { Reply, RequestContext, Route, Services } from "./types.js";

const EMPTY_BODY = Buffer.alloc(0);

/** Why a request ended before its answer (also the reason its signal is aborted with). */
const TIMED_OUT = Symbol("timeout");
const CLIENT_GONE = Symbol("client gone");

const NDJSON = "application/x-ndjson";
const SHUTTING_DOWN = "service unavailable: the server is shutting down";

/** What a request runs under: one route table and one Services, swapped whole on reload. */
export interface GatewayState {
  readonly table: RouteTable;
  readonly services: Services;
}

/**
 * The shared middleware every API goes through, in KES 2023's order (kes-api.md §1.2):
 * path cleaning and routing (301 / 501), method (405), then under the route's timeout:
 * identity + policy (400 / 403), argument validation (400), body limit (413), the handler.
 * Every answered request is observed once, when its status is written (observe.ts: the HTTP
 * metrics and, for audited routes, the audit event).
 *
 * The success path allocates no Error, AbortController, timer or race: deadlines live in
 * shared lists (deadlines.ts), the signal handed downstream is made only when someone asks
 * for it, and a deadline or a client that goes away ends the request from the outside (see
 * Call) instead of racing every step against a rejection.
 */
export function createPipeline(current: () => GatewayState): Pipeline {
  const shared: Shared = { deadlines: new Deadlines(), followers: new Set(), current };
  return {
    serve(ex) {
      // Read once: a reload during the request does not change the rules it runs under.
      const { table, services } = current();
      try {
        handle(table, services, shared, ex);
      } catch (err) {
        pipelineFailed(services, ex, err);
      }
    },
    cutOff: () => shared.deadlines.expireAll(),
    recheck() {
      const state = current();
      for (const follower of shared.followers) follower.recheck(state);
    },
  };
}

/** What every request of one pipeline shares. */
interface Shared {
  readonly deadlines: Deadlines;
  /** The open /v1/log/* streams, re-checked when the rules change. */
  readonly followers: Set<Follower>;
  readonly current: () => GatewayState;
}

/** An open event stream: ends itself when `state` no longer lets its caller follow it. */
interface Follower {
  recheck(state: GatewayState): void;
}

export interface Pipeline {
  /** Answers one request. */
  serve(ex: HttpExchange): void;
  /**
   * The shutdown grace period is over: every request still running is answered now with 503
   * `service unavailable: the server is shutting down` (a streamed answer that began gets its
   * final error line) and its downstream calls are aborted, before its connection is cut.
   * Requests without a deadline (the /v1/log/* streams) are not among them.
   */
  cutOff(): void;
  /**
   * The rules changed (a reload swapped the state): every open /v1/log/* stream whose caller
   * the new policies (and api.<path> settings) no longer allow on its path is ended, as
   * shutdown ends them (a complete response). A request in progress keeps its rules.
   */
  recheck(): void;
}

function pipelineFailed(services: Services, ex: HttpExchange, err: unknown): void {
  services.logger.error({ err }, "request pipeline failed");
  services.streams.errorEvent("request pipeline failed");
  if (!ex.headersSent) writeError(ex, 500, "internal server error");
  else ex.cancel();
}

function handle(table: RouteTable, services: Services, shared: Shared, ex: HttpExchange) {
  const method = ex.method;
  let target: ReturnType<typeof parseTarget>;
  try {
    target = parseTarget(ex.url);
  } catch (err) {
    respondError(services, ex, err, undefined, undefined);
    return;
  }
  const path = cleanPath(target.path);
  const slashed = table.redirectWithSlash(path);
  if (slashed !== undefined || path !== target.path) {
    // Go's ServeMux answers these before any KES handler (and its metrics) runs.
    writeRedirect(ex, method, location(slashed ?? path, target.query));
    return;
  }
  const route = table.lookup(path);
  if (route === undefined || !(route.methods as readonly string[]).includes(method)) {
    refuse(services, ex, route, path);
    return;
  }
  const call = new Call(services, shared, ex, route, path);
  run(call).catch((err: unknown) => pipelineFailed(services, ex, err));
}

/** 501 for an unknown path, 405 for a wrong method. */
function refuse(services: Services, ex: HttpExchange, route: Route | undefined, path: string) {
  const observed: Observed = {
    route,
    path,
    arrival: Date.now(),
    started: performance.now(),
    observed: false,
  };
  const metered = route?.observe !== "none";
  if (metered) services.metrics.begin();
  try {
    const err =
      route === undefined
        ? httpErrors.notImplemented()
        : httpErrors.methodNotAllowed(route.methods[0] ?? "");
    respondError(services, ex, err, route, observed);
  } finally {
    if (metered) services.metrics.end();
  }
}

/**
 * One routed request from arrival to its end; also the handler's RequestContext. It ends
 * (`settled`) when its answer is written, when its deadline passes (the 503 is written then
 * and there) or when the client goes away (nothing is written). Whatever the pipeline is
 * still awaiting at that point is left to finish on its own and its result dropped; a phase
 * that can be stopped sets `interrupt`.
 */
class Call implements RequestContext, Observed, Expiring, Interruptible {
  readonly services: Services;
  readonly shared: Shared;
  readonly route: Route;
  readonly path: string;
  argument = "";
  body: Buffer = EMPTY_BODY;
  readonly ex: HttpExchange;
  // Observed
  readonly arrival = Date.now();
  readonly started = performance.now();
  observed = false;
  // Expiring (managed by the deadline list)
  deadlineAt = Number.POSITIVE_INFINITY;
  prevDeadline: Expiring | undefined = undefined;
  nextDeadline: Expiring | undefined = undefined;
  deadlines: DeadlineList | undefined = undefined;
  // Interruptible: set by the phase that is waiting, if it can be stopped. Returns true when
  // it wrote the client's answer itself (a streamed answer that ends with an error line).
  interrupt: ((reason: unknown) => unknown) | undefined = undefined;
  /** The pipeline has nothing more to write: answered, timed out or abandoned. */
  settled = false;
  #reason: typeof TIMED_OUT | typeof CLIENT_GONE | undefined;
  #controller: AbortController | undefined;
  #finished = false;
  #identity: string | undefined;

  constructor(services: Services, shared: Shared, ex: HttpExchange, route: Route, path: string) {
    this.services = services;
    this.shared = shared;
    this.ex = ex;
    this.route = route;
    this.path = path;
    if (route.observe !== "none") services.metrics.begin();
    // A timeout of 0 means none (the log streams).
    if (route.timeoutMs > 0) shared.deadlines.add(this, route.timeoutMs, this.started);
    // 'close' before the call is settled means the client went away.
    ex.onClose(() => this.#end(CLIENT_GONE));
  }

  get headers() {
    return this.ex.headers;
  }

  identity(): string {
    this.#identity ??= peerIdentity(this.ex);
    return this.#identity;
  }

  /**
   * Whether `state` lets this call's identity reach its path, by the route's auth mode there.
   * For a call admitted by a policy (the log streams always are: skip_auth is refused for
   * them) the identity is known already and this never throws.
   */
  allowedIn(state: GatewayState): boolean {
    const route = state.table.lookup(this.path);
    if (route === undefined) return false;
    return route.auth !== "policy" || state.services.policies.allows(this.identity(), this.path);
  }

  callOptions(): RequestOptions {
    return new CallOptions(
      this,
      this.deadlineAt === Number.POSITIVE_INFINITY
        ? undefined
        : // Whole milliseconds, as timers and gRPC deadlines take them.
          Math.max(1, Math.floor(this.deadlineAt - performance.now())),
    );
  }

  /** Aborts when the call times out (reason TIMED_OUT) or ends any other way. */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = new AbortController();
      this.#controller = controller;
      // Made after the end: it is aborted already (its user is late, not its request).
      if (this.#reason !== undefined) controller.abort(this.#reason);
      else if (this.#finished) controller.abort(CLIENT_GONE);
    }
    return controller.signal;
  }

  /**
   * The deadline passed, or the shutdown grace period ended: 503, unless a streamed answer
   * already began and ended itself.
   */
  expire(shutdown = false): void {
    if (this.#end(TIMED_OUT)) return;
    const err = shutdown ? errors.serviceUnavailable(SHUTTING_DOWN) : errors.timeout();
    // A body still on its way (a slow or stalled client) will not be read: the connection
    // (HTTP/1.1) or the stream (HTTP/2) ends with this answer instead of waiting for it.
    if (!this.ex.bodyReceived) this.ex.stopReading();
    respondError(this.services, this.ex, err, this.route, this);
  }

  /** The status is out: observed now (metrics, audit). */
  observe(status: number): void {
    observeHead(this.services, this.ex, this, status);
  }

  /** Ends the call the way `reason` says; true when the interrupted phase answered itself. */
  #end(reason: typeof TIMED_OUT | typeof CLIENT_GONE): boolean {
    if (this.settled) return true;
    this.settled = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const interrupt = this.interrupt;
    this.interrupt = undefined;
    const answered = interrupt?.(reason) === true;
    this.finish();
    // A client that went away gets nothing; a deadline gets the timeout answer.
    return answered || reason === CLIENT_GONE;
  }

  /**
   * Releases everything the call holds; idempotent. `failed`: the handler failed, so whatever
   * it started downstream and still runs is abandoned (its signal aborts). After a success
   * nothing of it still runs (the handler awaited its calls), so no abort is sent.
   */
  finish(failed = false): void {
    if (this.#finished) return;
    this.#finished = true;
    this.settled = true;
    this.interrupt = undefined;
    this.deadlines?.remove(this);
    if (this.route.observe !== "none") this.services.metrics.end();
    const controller = this.#controller;
    if (failed && controller !== undefined && !controller.signal.aborted) {
      controller.abort(CLIENT_GONE);
    }
  }
}

/**
 * A downstream call's options. The signal is made on first use (most calls never look at it);
 * it is a getter of the class, so a spread of these options does not carry it: pass them on
 * as they are. (An object literal with a getter costs a new hidden class per request.)
 */
class CallOptions implements RequestOptions {
  readonly #call: Call;
  readonly timeoutMs?: number;

  constructor(call: Call, timeoutMs: number | undefined) {
    this.#call = call;
    if (timeoutMs !== undefined) this.timeoutMs = timeoutMs;
  }

  get signal(): AbortSignal {
    return this.#call.signal;
  }
}

async function run(call: Call): Promise<void> {
  const { route, ex } = call;
  let failed = false;
  try {
    prepare(call);
    if (route.maxBody > 0) {
      call.body = await readBody(ex.body, ex.headers, route.maxBody, call);
      if (call.settled) return;
    }
    const reply = await route.handler(call);
    if (call.settled) return;
    await send(call, reply);
  } catch (err) {
    failed = true;
    if (call.settled) return;
    if (err instanceof HttpError && err.status === 413) ex.stopReading();
    respondError(call.services, ex, err, route, call);
  } finally {
    call.finish(failed);
  }
}

/**
 * Identity + policy, then the argument. The argument is the rest of the path with surrounding
 * white space trimmed (as KES: Go's strings.TrimSpace), so when trimming changed it, the path
 * the call acts on (route + argument) must be allowed too: a deny of `/v1/key/delete/prod-*`
 * must not be passed by `/v1/key/delete/%20prod-db`. The raw path is checked as well, first,
 * as KES checks it: never laxer than KES.
 */
function prepare(call: Call): void {
  const { route, path } = call;
  const policed = route.auth === "policy";
  const policies = call.services.policies;
  if (policed && !policies.allows(call.identity(), path)) throw errors.notAuthorized();
  if (route.argument === "none") return;
  const raw = path.slice(route.path.length);
  const argument = trimSpace(raw);
  if (policed && argument !== raw && !policies.allows(call.identity(), route.path + argument)) {
    throw errors.notAuthorized();
  }
  if (route.argument === "name") validateName(argument);
  // An empty pattern lists everything: kms-go asks for all keys with `/v1/key/list/`.
  else if (argument !== "") validatePattern(argument);
  call.argument = argument;
}

async function send(call: Call, reply: Reply): Promise<void> {
  switch (reply.type) {
    case "empty":
      writeEmpty(call.ex);
      call.observe(200);
      call.settled = true;
      return;
    case "body":
      writeBody(call.ex, reply.contentType, reply.body);
      call.observe(200);
      call.settled = true;
      return;
    case "ndjson":
      await sendNdjson(call, reply.chunks);
      return;
    case "events":
      await sendEvents(call, reply.source);
      return;
  }
}

/**
 * A live nd-json stream: the status goes out at once, then each event is written (and so
 * flushed) as it happens until the client goes away or the source ends (shutdown: the body
 * ends normally, so the stream does not hold the drain until the grace period). A client that
 * stops reading is dropped once `bufferLimit` bytes are waiting for it: publishing never waits
 * for a subscriber, and nothing is buffered without bound.
 */
async function sendEvents(call: Call, source: EventSource): Promise<void> {
  const { ex, services } = call;
  ex.begin({ "content-type": NDJSON });
  call.observe(200);
  const limit = services.streams.bufferLimit;
  let unsubscribe = () => {};
  // "dropped": for not reading; "ended": the source ended; "revoked": a reload took the caller's
  // access away; "settled": the call ended (client gone, or a deadline that an api.<path>
  // setting gave it: the stream then stays open but gets no more events, as before).
  const followers = call.shared.followers;
  let revoke = () => {};
  const follower: Follower = {
    recheck(state) {
      if (!call.allowedIn(state)) revoke();
    },
  };
  const outcome = await new Promise<"dropped" | "ended" | "revoked" | "settled">((resolve) => {
    call.interrupt = () => resolve("settled");
    revoke = () => resolve("revoked");
    followers.add(follower);
    // Admitted under rules a reload has replaced since: they apply from now on.
    const state = call.shared.current();
    if (state.services !== call.services) follower.recheck(state);
    unsubscribe = source.subscribe(
      (line) => {
        if (ex.done) return;
        if (ex.writableLength + line.length > limit) {
          resolve("dropped");
          return;
        }
        ex.write(line);
      },
      () => resolve("ended"),
    );
  });
  unsubscribe();
  followers.delete(follower);
  if (outcome === "settled" || call.settled) return;
  call.settled = true;
  if (outcome === "revoked") {
    services.logger.info(
      { path: call.path, identity: call.identity() },
      "log stream ended: a reload removed its caller's access",
    );
  }
  if (outcome === "ended" || outcome === "revoked") {
    if (!ex.done) ex.end();
    return;
  }
  services.logger.warn(
    { limit },
    "log stream client dropped: it left more than the buffer limit unread",
  );
  ex.cancel();
}

/**
 * nd-json with `Content-Type: application/x-ndjson` even when empty (newer clients need it).
 * An error before the first line is a normal error answer; after it, a final `{"error":...}`
 * line, as KES does.
 */
async function sendNdjson(call: Call, chunks: AsyncIterator<string>): Promise<void> {
  const { ex } = call;
  let started = false;
  const fail = (err: unknown) => {
    void chunks.return?.();
    if (!ex.done) ex.end(`${JSON.stringify({ error: errorReply(err).message })}\n`);
  };
  call.interrupt = (reason) => {
    if (!started) {
      void chunks.return?.();
      return false;
    }
    if (reason === TIMED_OUT) fail(errors.timeout());
    else void chunks.return?.();
    return true;
  };
  try {
    for (;;) {
      const next = await chunks.next();
      if (call.settled) return;
      if (next.done === true) break;
      if (next.value === "") continue;
      if (!started) {
        ex.begin({ "content-type": NDJSON });
        call.observe(200);
        started = true;
      }
      if (!ex.write(next.value)) {
        await ex.drained();
        if (call.settled) return;
      }
    }
  } catch (err) {
    if (call.settled) return;
    if (!started) throw err;
    fail(err);
    call.settled = true;
    return;
  }
  if (!started) {
    ex.begin({ "content-type": NDJSON });
    call.observe(200);
  }
  ex.end();
  call.settled = true;
}

function respondError(
  services: Services,
  ex: HttpExchange,
  err: unknown,
  route: Route | undefined,
  observed: Observed | undefined,
): void {
  const reply = errorReply(err);
  if (reply.status >= 500) {
    // Request context for operators; the body never reaches a log line.
    const path = parseTargetQuietly(ex.url);
    const context = { method: ex.method, path, route: route?.path, status: reply.status };
    if (reply.unexpected) services.logger.error({ ...context, err }, "request failed");
    // A keystore failure was logged where it happened, with its key and cause (crypto service).
    else if (!isKesError(err, "keystore_failure")) {
      // What lies behind a 502/503 (a gRPC transport error: a refused TLS handshake, say) is
      // for the operator; it names services and addresses, never request data.
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : "";
      services.logger.warn(
        { ...context, reason: reply.message, ...(cause === "" ? {} : { cause }) },
        "request failed",
      );
    }
    // The error stream gets what the client got, never the internal cause.
    services.streams.errorEvent(`${ex.method} ${path ?? "?"}: ${reply.status} ${reply.message}`);
  }
  if (ex.headersSent || ex.done) return;
  writeError(ex, reply.status, reply.message, reply.headers);
  if (observed !== undefined) observeHead(services, ex, observed, reply.status);
}

function parseTargetQuietly(url: string): string | undefined {
  try {
    return parseTarget(url).path;
  } catch {
    return undefined;
  }
}
