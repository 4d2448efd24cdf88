import type { LoadPlan, PhaseResult } from "./load-run.js";
import type { ClientTls, Protocol } from "./transport.js";

/** What a load process is told to do (it arrives over IPC). */
export interface WorkerJob {
  readonly endpoint: string;
  readonly protocol: Protocol;
  readonly tls: ClientTls;
  /** HTTP/2 sessions this process opens. */
  readonly sessions: number;
  readonly plan: LoadPlan;
}

/** Parent → load process. */
export type ToWorker =
  | { readonly type: "job"; readonly job: WorkerJob }
  | { readonly type: "measure" };

/** Load process → parent. */
export type FromWorker =
  | { readonly type: "warmed-up" }
  | { readonly type: "result"; readonly result: PhaseResult }
  | { readonly type: "failed"; readonly message: string };
