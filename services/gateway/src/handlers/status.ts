import type { KeyStoreStatus } from "@kes/core";
import { HttpError } from "../http/errors.js";
import type { Handler, RequestContext } from "../http/types.js";
import { goPlatform, systemStats } from "../metrics/system.js";
import { json } from "./policy.js";

/** GET /v1/status and GET /v1/ready (kes-api.md §2.3, §2.6): both ask the keystore, via crypto. */

/** Longest wait for the keystore probe, so /v1/status answers well inside its own deadline. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * The 2023-04+ status: uptime in nanoseconds rounded to the second, keystore_latency in ms
 * (at least 1) when the keystore answers, else keystore_unavailable and keystore_unreachable
 * both true (kes-go v0.2+ and kms-go refuse one without the other), also when the crypto
 * service itself cannot be reached.
 */
export const status: Handler = async (ctx) => {
  const probe = await probeKeyStore(ctx);
  const system = systemStats();
  const { os, arch } = goPlatform();
  const uptimeSeconds = Math.round((Date.now() - ctx.services.startedAt) / 1000);
  return json({
    version: ctx.services.version.version,
    os,
    arch,
    uptime: uptimeSeconds * 1_000_000_000,
    num_cpu: system.numCpu,
    num_cpu_used: system.numCpuUsed,
    mem_heap_used: system.heapUsed,
    mem_stack_used: system.stackUsed,
    ...(probe.reachable
      ? { keystore_latency: Math.max(1, Math.round(probe.latencyMs)) }
      : { keystore_unavailable: true, keystore_unreachable: true }),
  });
};

/** 200 with an empty body when the keystore answers; 504 when it does not, 502 otherwise. */
export const ready: Handler = async (ctx) => {
  const probe = await probeKeyStore(ctx);
  if (probe.reachable) return { type: "empty" };
  if (probe.failed) throw new HttpError(502, "key store is unavailable");
  throw new HttpError(504, "key store is not reachable");
};

type Probe = (KeyStoreStatus & { readonly failed?: false }) | { reachable: false; failed: true };

/** Never throws: a crypto service that fails or does not answer in time is `failed`. */
async function probeKeyStore(ctx: RequestContext): Promise<Probe> {
  const options = ctx.callOptions();
  const timeoutMs = Math.min(options.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  const signal =
    options.signal === undefined
      ? AbortSignal.timeout(timeoutMs)
      : AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = ctx.services.crypto.keyStoreStatus({ signal, timeoutMs });
    // Bounded even if the implementation ignored its signal.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("keystore status timed out")), timeoutMs + 100);
    });
    return await Promise.race([answer, late]);
  } catch (err) {
    ctx.services.logger.warn(
      { reason: err instanceof Error ? err.message : String(err) },
      "keystore status: the crypto service did not answer",
    );
    return { reachable: false, failed: true };
  } finally {
    clearTimeout(timer);
  }
}
