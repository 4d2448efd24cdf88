import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full GC found alive, as a
 * percentage. A server's live heap is small (keys, policies: ~20-30 MB), but every request
 * leaves native memory (TLS and HTTP/2 stream state, cipher and HMAC contexts) held by JS
 * objects that survived a scavenge, freed only by a full GC. With V8's own choice (up to 4x)
 * `kes server` grew to ~200 MB of RSS at ~4,000 pairs/s before each full GC; 50 % holds it at
 * ~118 MB with the same CPU per pair (measured: docs/performance.md, Memory).
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
