import type { IncomingHttpHeaders } from "node:http";
import type { VirtualClock } from "../clock.js";
import type { SimSettings } from "../settings.js";
import type { UserRecord } from "../state/model.js";
import type { SimState } from "../state/store.js";

/** A fully read request, as handlers see it. */
export interface SimRequest {
  readonly method: string;
  /** Raw path (percent-encoded, as sent). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
}

/** A response before it is written: faults may rewrite it. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What every handler can reach. */
export interface AppContext {
  readonly state: SimState;
  readonly settings: SimSettings;
  readonly clock: VirtualClock;
}

/** The authenticated caller of a data- or admin-plane request. */
export interface Principal {
  readonly user: UserRecord;
  readonly domain: string;
  readonly groups: readonly string[];
  readonly isAdmin: boolean;
  readonly jwtId: string;
}
