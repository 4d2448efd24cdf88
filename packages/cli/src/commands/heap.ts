import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full GC found alive, as a
 * percentage. A server's live heap is small (keys, policies: ~20 MB), and V8's own choice (up
 * to 4×) let `kes server` reach ~150 MB of RSS under load before each full GC; 50 % bounds it
 * at ~115 MB for a few more (cheap, incremental) full GCs. Measured in docs/performance.md.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Applies HEAP_GROWING_PERCENT to this process, unless the operator set the flag (node
 * --heap-growing-percent=N; Node refuses V8 flags in NODE_OPTIONS). V8 reads it at every full
 * GC, so setting it at startup takes effect.
 */
export function tuneHeap(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
