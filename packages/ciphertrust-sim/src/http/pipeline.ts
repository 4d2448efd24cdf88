import { randomUUID } from "node:crypto";
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Logger } from "@kes/core";
import { cm } from "../cm-errors.js";
import type { FaultController } from "../faults/controller.js";
import { malformToken, oversize, spoilListPage, statusResponse } from "../faults/mutate.js";
import type { FaultAction } from "../faults/types.js";
import { redactBody, redactHeaders } from "../log/redact.js";
import type { Outcome, RequestLog } from "../log/request-log.js";
import { readBody } from "./body.js";
import { errorResponse } from "./responses.js";
import { dispatch, type Route } from "./router.js";
import type { AppContext, SimRequest, SimResponse } from "./types.js";

const MAX_BODY = 8 * 1024 * 1024;
export const CONTROL_PREFIX = "/__sim/";

export interface PipelineOptions {
  readonly app: AppContext;
  readonly routes: readonly Route[];
  readonly faults: FaultController;
  readonly log: RequestLog;
  readonly logger: Logger;
  /** The /__sim/* control plane (not logged, never faulted). */
  readonly control: (req: SimRequest) => Promise<SimResponse>;
  /** Aborted when the simulator closes: cuts latency waits short. */
  readonly closing: AbortSignal;
  readonly random?: () => number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Raw status line + headers, for answers that must stop part-way (no Node framing). */
function rawHead(response: SimResponse): Buffer {
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? "Unknown"}`];
  for (const [k, v] of Object.entries(response.headers)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${response.body.length}`, "connection: close", "", "");
  return Buffer.from(lines.join("\r\n"));
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf("?");
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/** Builds the node:http request listener: log → faults → route → (fault-rewritten) answer. */
export function createPipeline(options: PipelineOptions) {
  const random = options.random ?? Math.random;

  function send(res: ServerResponse, method: string, response: SimResponse): void {
    res.writeHead(response.status, {
      ...response.headers,
      "content-length": String(response.body.length),
    });
    res.end(method === "HEAD" ? undefined : response.body);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    // Parsed by hand: WHATWG URL parsing would treat "//api/v1/..." as a host.
    const { path, query } = splitUrl(req.url ?? "/");
    const { body, tooLarge } = await readBody(req, MAX_BODY);
    const simReq: SimRequest = {
      method,
      path,
      query,
      headers: req.headers,
      body,
      requestId: randomUUID(),
    };

    if (path.startsWith(CONTROL_PREFIX)) {
      send(res, method, await options.control(simReq));
      return;
    }

    const finish = options.log.begin({
      time: options.app.clock.iso(),
      method,
      path,
      query: Object.fromEntries(query),
      headers: redactHeaders(req.headers),
      body: redactBody(body),
    });
    const plan = options.faults.plan(method, path);
    let route: string | null = null;
    const done = (status: number | null, outcome: Outcome) =>
      finish({ status, outcome, route, faults: plan.applied });

    await sleep(plan.latencyMs, options.closing);
    const action: FaultAction | undefined = plan.action;
    const commits =
      action === undefined ||
      !(action.type === "status" || action.type === "drop" || action.type === "hang") ||
      action.commit === true ||
      (action.type === "drop" && action.when === "after-headers");

    let response: SimResponse;
    if (tooLarge) {
      response = errorResponse(cm.tooLarge(MAX_BODY), simReq.requestId);
    } else if (commits) {
      const result = await dispatch(options.routes, simReq, options.app);
      route = result.route ?? null;
      if (result.failure !== undefined) {
        options.logger.error(
          { err: result.failure, route, requestId: simReq.requestId },
          "handler failed",
        );
      }
      response = result.response;
    } else {
      // Not committed: the handler never runs; the fault below answers (or doesn't) instead.
      response = { status: 0, headers: {}, body: Buffer.alloc(0) };
    }

    const socket = req.socket;
    switch (action?.type) {
      case "hang":
        res.on("close", () => done(null, "hung"));
        return;
      case "drop":
        if (action.when === "after-headers") {
          socket.end(rawHead(response));
          done(response.status, "headers-only");
        } else {
          socket.destroy();
          done(null, "dropped");
        }
        return;
      case "truncate": {
        const cut = Math.floor(response.body.length * (action.fraction ?? 0.5));
        socket.end(Buffer.concat([rawHead(response), response.body.subarray(0, cut)]));
        done(response.status, "truncated");
        return;
      }
      case "status":
        response = statusResponse(action, simReq.requestId);
        break;
      case "token":
        response = malformToken(response, action.mode);
        break;
      case "list":
        response = spoilListPage(
          response,
          action.mode,
          {
            ...(action.by === undefined ? {} : { by: action.by }),
            ...(action.cap === undefined ? {} : { cap: action.cap }),
          },
          random,
        );
        break;
      case "oversize":
        response = oversize(response, action.bytes);
        break;
      default:
        break;
    }
    send(res, method, response);
    done(response.status, "answered");
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((err: unknown) => {
      options.logger.error({ err }, "request failed");
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(cm.internal().toBody(randomUUID())));
      } else {
        res.destroy();
      }
    });
  };
}
