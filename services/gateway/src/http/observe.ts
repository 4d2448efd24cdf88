import type { AuditEvent } from "../events/streams.js";
import { peerIdentity } from "../peer.js";
import { formatTime } from "../time.js";
import type { HttpExchange } from "./exchange.js";
import type { Route, Services } from "./types.js";

/**
 * The one place a request is observed, when its status is written: the KES HTTP metrics
 * (kes-api.md §8.2: every API but /v1/metrics) and, for the audited APIs, the audit event
 * (§8.3: the key, policy and identity APIs and /version, errors included).
 */

/** One request's bookkeeping, from arrival to its status line. */
export interface Observed {
  /** undefined: no route (501). */
  readonly route: Route | undefined;
  /** The clean, decoded path. */
  readonly path: string;
  /** Arrival, ms since the epoch (the audit `time`). */
  readonly arrival: number;
  /** Arrival on the monotonic clock (performance.now()), for durations. */
  readonly started: number;
  observed: boolean;
}

export function observeHead(services: Services, ex: HttpExchange, o: Observed, status: number) {
  if (o.observed) return;
  o.observed = true;
  const observe = o.route?.observe ?? "metrics";
  if (observe === "none") return;
  const elapsedMs = performance.now() - o.started;
  services.metrics.responded(status, elapsedMs / 1000);
  if (observe !== "audit") return;
  services.metrics.auditEvent();
  // The event is only built when it goes somewhere (a /v1/log/audit client or log.audit).
  if (services.streams.auditing) {
    services.streams.auditEvent(auditEvent(ex, o, status, elapsedMs));
  }
}

function auditEvent(ex: HttpExchange, o: Observed, status: number, elapsedMs: number): AuditEvent {
  const ip = clientIp(ex);
  const identity = identityOf(ex);
  return {
    time: formatTime(new Date(o.arrival)),
    request: {
      ...(ip === undefined ? {} : { ip }),
      path: o.path,
      ...(identity === undefined ? {} : { identity }),
    },
    // Go's Duration in nanoseconds, truncated to whole microseconds as KES 2023 does.
    response: { code: status, time: Math.floor(elapsedMs * 1000) * 1000 },
  };
}

/** The client's IP as Go prints it (an IPv4-mapped IPv6 address as plain IPv4). */
function clientIp(ex: HttpExchange): string | undefined {
  const address = ex.socket?.remoteAddress;
  if (address === undefined) return undefined;
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

function identityOf(ex: HttpExchange): string | undefined {
  try {
    return peerIdentity(ex);
  } catch {
    return undefined; // no usable certificate: the audit record omits the identity, as KES
  }
}
