/** What `kes log` prints per event: aligned columns on a terminal, the raw JSON line otherwise. */
import { STATUS_CODES } from "node:http";
import type { AuditEvent } from "@kes/client";
import { formatLatency, shortIdentity } from "../output.js";

const COLUMNS = [
  ["Time", 8],
  ["Identity", 9],
  ["Status", 24],
  ["API", 40],
  ["Latency", 0],
] as const;

function line(cells: readonly string[]): string {
  return `${cells
    .map((cell, i) => {
      const w = COLUMNS[i]?.[1] ?? 0;
      return w === 0 ? cell : cell.padEnd(w);
    })
    .join("  ")
    .trimEnd()}\n`;
}

/** The header above the events; the columns are fixed because events arrive one by one. */
export function auditHeader(): string {
  return line(COLUMNS.map(([title]) => title));
}

/** The clock time as the server wrote it (its own time zone), "15:04:05". */
function clock(time: string): string {
  return /T(\d{2}:\d{2}:\d{2})/.exec(time)?.[1] ?? time;
}

export function auditRow(e: AuditEvent): string {
  const text = STATUS_CODES[e.response.code];
  return line([
    clock(e.time),
    shortIdentity(e.request.identity),
    text === undefined ? String(e.response.code) : `${e.response.code} ${text}`,
    e.request.path,
    formatLatency(e.response.timeMs),
  ]);
}
