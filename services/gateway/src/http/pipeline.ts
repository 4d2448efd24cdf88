import { constants } from "node:http2";
import { errors, validateName, validatePattern } from "@kes/core";
import type { EventSource } from "../events/streams.js";
import { peerIdentity } from "../peer.js";
import { readBody } from "./body.js";
import { errorReply, HttpError, httpErrors } from "./errors.js";
import { type Exchange, observeHead } from "./observe.js";
import { cleanPath, location, parseTarget } from "./paths.js";
import { drained, writeBody, writeEmpty, writeError, writeRedirect } from "./respond.js";
import type { RouteTable } from "./route-table.js";
import type { Reply, Request, RequestContext, Response, Route, Services } from "./types.js";

const EMPTY_BODY = Buffer.alloc(0);

/** Why a request's controller was aborted. */
const TIMED_OUT = Symbol("timeout");
const CLIENT_GONE = Symbol("client gone");

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
 */
export function createRequestListener(
  current: () => GatewayState,
): (req: Request, res: Response) => void {
  return (req, res) => {
    // Read once: a reload during the request does not change the rules it runs under.
    const { table, services } = current();
    handle(table, services, req, res).catch((err: unknown) => {
      services.logger.error({ err }, "request pipeline failed");
      services.streams.errorEvent("request pipeline failed");
      if (!res.headersSent) writeError(res, 500, "internal server error");
      else res.destroy();
    });
  };
}

async function handle(table: RouteTable, services: Services, req: Request, res: Response) {
  const method = req.method ?? "GET";
  let target: ReturnType<typeof parseTarget>;
  try {
    target = parseTarget(req.url);
  } catch (err) {
    respondError(services, req, res, err, undefined);
    return;
  }
  const path = cleanPath(target.path);
  const slashed = table.redirectWithSlash(path);
  if (slashed !== undefined || path !== target.path) {
    // Go's ServeMux answers these before any KES handler (and its metrics) runs.
    writeRedirect(res, method, location(slashed ?? path, target.query));
    return;
  }
  const route = table.lookup(path);
  const ex: Exchange = {
    route,
    path,
    arrival: Date.now(),
    started: performance.now(),
    observed: false,
  };
  const metered = route?.observe !== "none";
  if (metered) services.metrics.begin();
  try {
    if (route === undefined) {
      respondError(services, req, res, httpErrors.notImplemented(), undefined, ex);
      return;
    }
    if (!(route.methods as readonly string[]).includes(method)) {
      const err = httpErrors.methodNotAllowed(route.methods[0] ?? "");
      respondError(services, req, res, err, route, ex);
      return;
    }
    await run(services, route, path, req, res, ex);
  } finally {
    if (metered) services.metrics.end();
  }
}

async function run(
  services: Services,
  route: Route,
  path: string,
  req: Request,
  res: Response,
  ex: Exchange,
) {
  const controller = new AbortController();
  // A timeout of 0 means none (the log streams of a later issue).
  const deadline = route.timeoutMs > 0 ? Date.now() + route.timeoutMs : Number.POSITIVE_INFINITY;
  const timer =
    route.timeoutMs > 0
      ? setTimeout(() => controller.abort(TIMED_OUT), route.timeoutMs)
      : undefined;
  // 'close' before the pipeline is done means the client went away (HTTP/2 compat responses
  // even report writableFinished then), so whatever is still running is abandoned.
  const onClose = () => {
    if (!controller.signal.aborted) controller.abort(CLIENT_GONE);
  };
  res.once("close", onClose);
  const signal = controller.signal;
  // Settles only by rejecting, when the deadline passes or the client goes away.
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener("abort", () => reject(abortError(signal.reason)), { once: true });
  });
  aborted.catch(() => {}); // observed below via race; never an unhandled rejection

  try {
    const ctx = await Promise.race([
      prepare(services, route, path, req, signal, deadline),
      aborted,
    ]);
    const reply = await Promise.race([route.handler(ctx), aborted]);
    const onHead = (status: number) => observeHead(services, req, ex, status);
    await send(services, res, reply, aborted, onHead);
  } catch (err) {
    if (signal.reason === CLIENT_GONE) return;
    if (err instanceof HttpError && err.status === 413) stopReading(req, res);
    respondError(services, req, res, err, route, ex);
  } finally {
    clearTimeout(timer);
    res.off("close", onClose);
    if (!signal.aborted) controller.abort(CLIENT_GONE); // stop leftover downstream work
  }
}

async function prepare(
  services: Services,
  route: Route,
  path: string,
  req: Request,
  signal: AbortSignal,
  deadline: number,
): Promise<RequestContext> {
  const identity = () => peerIdentity(req);
  if (route.auth === "policy" && !services.policies.allows(identity(), path)) {
    throw errors.notAuthorized();
  }
  const argument = route.argument === "none" ? "" : path.slice(route.path.length).trim();
  if (route.argument === "name") validateName(argument);
  // An empty pattern lists everything: kms-go asks for all keys with `/v1/key/list/`.
  else if (route.argument === "pattern" && argument !== "") validatePattern(argument);
  const body = route.maxBody > 0 ? await readBody(req, route.maxBody, signal) : EMPTY_BODY;
  return {
    services,
    route,
    path,
    argument,
    body,
    headers: req.headers,
    identity,
    callOptions: () =>
      deadline === Number.POSITIVE_INFINITY
        ? { signal }
        : { signal, timeoutMs: Math.max(1, deadline - Date.now()) },
  };
}

async function send(
  services: Services,
  res: Response,
  reply: Reply,
  aborted: Promise<never>,
  onHead: (status: number) => void,
): Promise<void> {
  switch (reply.type) {
    case "empty":
      writeEmpty(res);
      onHead(200);
      return;
    case "body":
      writeBody(res, reply.contentType, reply.body);
      onHead(200);
      return;
    case "ndjson":
      await sendNdjson(res, reply.chunks, aborted, onHead);
      return;
    case "events":
      await sendEvents(services, res, reply.source, aborted, onHead);
      return;
  }
}

/**
 * A live nd-json stream: the status goes out at once, then each event is written (and so
 * flushed) as it happens until the client goes away. A client that stops reading is dropped
 * once `bufferLimit` bytes are waiting for it: publishing never waits for a subscriber, and
 * nothing is buffered without bound.
 */
async function sendEvents(
  services: Services,
  res: Response,
  source: EventSource,
  aborted: Promise<never>,
  onHead: (status: number) => void,
): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  // Both response types have flushHeaders() (Node's typings omit the HTTP/2 one).
  (res as { flushHeaders(): void }).flushHeaders();
  onHead(200);
  const limit = services.streams.bufferLimit;
  const out = res as { write(chunk: string): boolean; readonly writableLength: number };
  let unsubscribe = () => {};
  const dropped = new Promise<void>((resolve) => {
    unsubscribe = source.subscribe((line) => {
      if (res.destroyed || res.writableEnded) return;
      if (out.writableLength + line.length > limit) {
        unsubscribe();
        resolve();
        return;
      }
      out.write(line);
    });
  });
  try {
    await Promise.race([dropped, aborted]);
    services.logger.warn(
      { limit },
      "log stream client dropped: it left more than the buffer limit unread",
    );
    // HTTP/2: reset just this stream (CANCEL); HTTP/1.1: close the connection.
    if ("stream" in res) res.stream.close(constants.NGHTTP2_CANCEL);
    else res.destroy();
  } finally {
    unsubscribe();
  }
}

/**
 * nd-json with `Content-Type: application/x-ndjson` even when empty (newer clients need it).
 * An error before the first line is a normal error answer; after it, a final `{"error":...}`
 * line, as KES does.
 */
async function sendNdjson(
  res: Response,
  chunks: AsyncIterator<string>,
  aborted: Promise<never>,
  onHead: (status: number) => void,
) {
  let started = false;
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), aborted]);
      if (next.done === true) break;
      if (next.value === "") continue;
      if (!started) {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        onHead(200);
        started = true;
      }
      // Both response types have write(string): boolean; TS cannot unify their overloads.
      const writable = res as { write(chunk: string): boolean };
      if (!writable.write(next.value)) await Promise.race([drained(res), aborted]);
    }
  } catch (err) {
    if (!started) throw err;
    void chunks.return?.();
    if (!res.writableEnded && !res.destroyed) {
      res.end(`${JSON.stringify({ error: errorReply(err).message })}\n`);
    }
    return;
  }
  if (!started) {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    onHead(200);
  }
  res.end();
}

function respondError(
  services: Services,
  req: Request,
  res: Response,
  err: unknown,
  route: Route | undefined,
  ex?: Exchange,
): void {
  const reply = errorReply(err);
  if (reply.status >= 500) {
    // Request context for operators; the body never reaches a log line.
    const path = parseTargetQuietly(req.url);
    const context = { method: req.method, path, route: route?.path, status: reply.status };
    if (reply.unexpected) services.logger.error({ ...context, err }, "request failed");
    else services.logger.warn({ ...context, reason: reply.message }, "request failed");
    // The error stream gets what the client got, never the internal cause.
    services.streams.errorEvent(
      `${req.method ?? "?"} ${path ?? "?"}: ${reply.status} ${reply.message}`,
    );
  }
  if (res.headersSent || res.writableEnded) return;
  writeError(res, reply.status, reply.message, reply.headers);
  if (ex !== undefined) observeHead(services, req, ex, reply.status);
}

function parseTargetQuietly(url: string | undefined): string | undefined {
  try {
    return parseTarget(url).path;
  } catch {
    return undefined;
  }
}

function abortError(reason: unknown): Error {
  return reason === TIMED_OUT ? errors.timeout() : new Error("request aborted");
}

/**
 * After refusing an oversized body the rest of it is never read: HTTP/1.1 closes the
 * connection once the answer is out, HTTP/2 resets just this stream.
 */
function stopReading(req: Request, res: Response): void {
  if ("stream" in req) {
    const stream = req.stream;
    res.once("finish", () => stream.close(constants.NGHTTP2_NO_ERROR));
  } else if (!res.headersSent) {
    res.setHeader("connection", "close");
  }
}
