/** What `kes status` prints: a block, one line (--short) or JSON per server. */
import type { ApiDescription, ServerStatus } from "@kes/client";
import {
  formatBytes,
  formatLatency,
  formatUptime,
  ndjson,
  rows,
  sortedBy,
  table,
} from "../output.js";

/** One server's answer, or why there was none. */
export type StatusResult =
  | {
      readonly endpoint: string;
      readonly status: ServerStatus;
      /** Round trip of the status request, ms. */
      readonly latencyMs: number;
    }
  | { readonly endpoint: string; readonly error: string };

function keystore(s: ServerStatus): string {
  if (s.keystoreUnreachable || s.keystoreUnavailable) return "unreachable";
  if (s.keystoreLatencyMs === undefined) return "reachable";
  return `reachable, ${formatLatency(s.keystoreLatencyMs)}`;
}

/** Node reports no stack size (0): then only the heap. */
function memory(s: ServerStatus): string {
  const heap = `heap ${formatBytes(s.memHeapUsed)}`;
  return s.memStackUsed > 0 ? `${heap}, stack ${formatBytes(s.memStackUsed)}` : heap;
}

export function statusBlock(r: StatusResult): string {
  if ("error" in r) return `● ${r.endpoint}  offline\n  ${r.error}\n`;
  const s = r.status;
  return (
    `● ${r.endpoint}\n` +
    rows([
      ["Version", s.version],
      ["Uptime", formatUptime(s.uptimeMs / 1000)],
      ["Latency", formatLatency(r.latencyMs)],
      ["OS", [s.os, s.arch].filter((x) => x !== "").join("/")],
      ["CPUs", `${s.numCpuUsed} of ${s.numCpu}`],
      ["Memory", memory(s)],
      ["Keystore", keystore(s)],
    ])
      .split("\n")
      .map((line) => (line === "" ? line : `  ${line}`))
      .join("\n")
  );
}

export function statusLine(r: StatusResult): string {
  if ("error" in r) return `● ${r.endpoint}  offline  ${r.error}\n`;
  const s = r.status;
  return (
    `● ${r.endpoint}  online  version ${s.version}  up ${formatUptime(s.uptimeMs / 1000)}  ` +
    `latency ${formatLatency(r.latencyMs)}  keystore ${keystore(s)}\n`
  );
}

/**
 * The server's status fields with the names and units of KES 2023's `/v1/status` (uptime in
 * nanoseconds), plus the endpoint and our round trip; an error instead for a silent server.
 */
export function statusJson(r: StatusResult): string {
  if ("error" in r) return ndjson([{ endpoint: r.endpoint, error: r.error }]);
  const s = r.status;
  return ndjson([
    {
      endpoint: r.endpoint,
      version: s.version,
      os: s.os,
      arch: s.arch,
      uptime: Math.round(s.uptimeMs * 1e6),
      num_cpu: s.numCpu,
      num_cpu_used: s.numCpuUsed,
      mem_heap_used: s.memHeapUsed,
      mem_stack_used: s.memStackUsed,
      ...(s.keystoreLatencyMs === undefined ? {} : { keystore_latency: s.keystoreLatencyMs }),
      ...(s.keystoreUnavailable ? { keystore_unavailable: true } : {}),
      ...(s.keystoreUnreachable ? { keystore_unreachable: true } : {}),
      latency_ms: Math.round(r.latencyMs * 1000) / 1000,
    },
  ]);
}

const byPath = (apis: readonly ApiDescription[]) => sortedBy(apis, (a) => `${a.path} ${a.method}`);

export function apisTable(apis: readonly ApiDescription[]): string {
  return table(
    ["Method", "Path", "Max body", "Timeout", "Auth"],
    byPath(apis).map((a) => [
      a.method,
      a.path,
      a.maxBody === 0 ? "-" : formatBytes(a.maxBody),
      a.timeoutSeconds === 0 ? "-" : `${a.timeoutSeconds}s`,
      a.verifyAuth === undefined ? "" : a.verifyAuth ? "policy" : "none",
    ]),
  );
}

/** `/v1/api`'s own row shape, one per line. */
export function apisJson(apis: readonly ApiDescription[]): string {
  return ndjson(
    byPath(apis).map((a) => ({
      method: a.method,
      path: a.path,
      max_body: a.maxBody,
      timeout: a.timeoutSeconds,
      ...(a.verifyAuth === undefined ? {} : { verify_auth: a.verifyAuth }),
    })),
  );
}
