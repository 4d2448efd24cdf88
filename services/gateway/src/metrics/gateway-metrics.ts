import { availableParallelism } from "node:os";
import type { CryptoApi } from "@kes/core";
import { Counter, Gauge, Registry } from "prom-client";
import { type CounterSeries, FastCounter } from "./counter.js";
import { FastHistogram, type HistogramSeries } from "./histogram.js";
import { heapUsed, numCpu, threadCount } from "./system.js";

/**
 * The gateway's Prometheus metrics: KES's own families exactly as KES names them (kes-api.md
 * §8.2, unchanged 2022–2025), and our `kes_ts_` families, which cannot collide with KES's.
 * kes-go's Metrics() needs exactly one sample in every KES family except the three request
 * counters, so the gauges and the histogram carry no labels.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** A request started (kes_http_request_active + 1). */
  begin(): void;
  /** A request finished (kes_http_request_active - 1). */
  end(): void;
  /** The status line went out `seconds` after the request arrived. */
  responded(status: number, seconds: number): void;
  auditEvent(): void;
  errorEvent(): void;
  /** `crypto` with each call timed (kes_ts_crypto_call_duration_seconds{method}). */
  instrumentCrypto(crypto: CryptoApi): CryptoApi;
}

/**
 * A registry for one process's metrics, to share between its services (`kes server` passes it
 * to the crypto service and the gateway), without callers depending on prom-client.
 */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

/** kes_http_response_time's buckets, as KES. */
export const RESPONSE_TIME_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 3, 5, 10];

export function createGatewayMetrics(registry: Registry, startedAt: number): GatewayMetrics {
  const registers = [registry];
  const success = FastCounter.register(registry, {
    name: "kes_http_request_success",
    help: "Number of requests that have been served successfully.",
    labelName: "code",
  });
  const error = FastCounter.register(registry, {
    name: "kes_http_request_error",
    help: "Number of request that failed due to some error. (HTTP 4xx status code)",
    labelName: "code",
  });
  const failure = FastCounter.register(registry, {
    name: "kes_http_request_failure",
    help: "Number of request that failed due to some internal failure. (HTTP 5xx status code)",
    labelName: "code",
  });
  const active = FastCounter.register(registry, {
    name: "kes_http_request_active",
    help: "Number of active requests that are not finished, yet.",
    type: "gauge",
  }).series();
  const latency = FastHistogram.register(registry, {
    name: "kes_http_response_time",
    help: "Histogram of request response times spawning from 10ms to 10s.",
    buckets: RESPONSE_TIME_BUCKETS,
  }).series();
  const errorEvents = reuse(
    registry,
    "kes_log_error_events",
    () =>
      new Counter({
        name: "kes_log_error_events",
        help: "Number of error log events written to the error log targets.",
        registers,
      }),
  );
  const auditEvents = FastCounter.register(registry, {
    name: "kes_log_audit_events",
    help: "Number of audit log events written to the audit log targets.",
  }).series();
  registerSystemGauges(registry, startedAt);
  const cryptoCalls = FastHistogram.register(registry, {
    name: "kes_ts_crypto_call_duration_seconds",
    help:
      "Seconds the gateway waited for the crypto service, by method " +
      "(a gRPC call in the split deployment, an in-process call under kes server).",
    labelName: "method",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  // One series per status code, bound on first use: no label object per request.
  const byStatus = new Map<number, CounterSeries>();
  const child = (status: number): CounterSeries => {
    let c = byStatus.get(status);
    if (c === undefined) {
      const family = status >= 500 ? failure : status >= 400 ? error : success;
      c = family.series(String(status));
      byStatus.set(status, c);
    }
    return c;
  };

  return {
    registry,
    begin: () => active.inc(),
    end: () => active.dec(),
    responded(status, seconds) {
      // KES counts 2xx, 4xx and 5xx; redirects are answered before its handlers run.
      if (status >= 200 && !(status >= 300 && status < 400)) child(status).inc();
      latency.observe(seconds);
    },
    auditEvent: () => auditEvents.inc(),
    errorEvent: () => errorEvents.inc(),
    instrumentCrypto: (crypto) => timeCrypto(crypto, cryptoCalls),
  };
}

/** The registered metric of that name, or a new one: several gateways may share a registry. */
function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

function registerSystemGauges(registry: Registry, startedAt: number): void {
  const gauge = (name: string, help: string, value: () => number) =>
    reuse(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            this.set(value());
          },
        }),
    );
  gauge(
    "kes_system_up_time",
    "The time the server has been up and running in seconds.",
    () =>
      // KES reports 10 ms resolution.
      Math.round((Date.now() - startedAt) / 10) / 100,
  );
  gauge("kes_system_num_cpu", "The number of logical CPUs available on the system.", numCpu);
  gauge(
    "kes_system_num_cpu_used",
    "The number of logical CPUs usable by the server.",
    availableParallelism,
  );
  gauge("kes_system_num_threads", "The number of threads of the server process.", threadCount);
  gauge("kes_system_mem_heap_used", "The number of bytes used on the heap.", heapUsed);
  gauge(
    "kes_system_mem_heap_objects",
    "The number of objects allocated on the heap.",
    () => 0, // Node has no count of heap objects
  );
  gauge(
    "kes_system_mem_stack_used",
    "The number of bytes used on the stack.",
    () => 0, // nor of stack bytes in use
  );
}

/** A CryptoApi whose every call is timed into the histogram's series of its method. */
function timeCrypto(crypto: CryptoApi, histogram: FastHistogram): CryptoApi {
  // A method's series is made at its first call (as prom-client showed a label set).
  const series = new Map<string, HistogramSeries>();
  const timer = (method: string): HistogramSeries => {
    let s = series.get(method);
    if (s === undefined) {
      s = histogram.series(method);
      series.set(method, s);
    }
    return s;
  };
  const timed =
    <A extends unknown[], R>(method: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const started = performance.now();
      const done = () => timer(method).observe((performance.now() - started) / 1000);
      try {
        const result = call(...args);
        result.then(done, done);
        return result;
      } catch (err) {
        done();
        return Promise.reject(err);
      }
    };
  return {
    createKey: timed("createKey", crypto.createKey.bind(crypto)),
    importKey: timed("importKey", crypto.importKey.bind(crypto)),
    describeKey: timed("describeKey", crypto.describeKey.bind(crypto)),
    deleteKey: timed("deleteKey", crypto.deleteKey.bind(crypto)),
    listKeys: timed("listKeys", crypto.listKeys.bind(crypto)),
    generate: timed("generate", crypto.generate.bind(crypto)),
    encrypt: timed("encrypt", crypto.encrypt.bind(crypto)),
    decrypt: timed("decrypt", crypto.decrypt.bind(crypto)),
    bulkDecrypt: timed("bulkDecrypt", crypto.bulkDecrypt.bind(crypto)),
    hmac: timed("hmac", crypto.hmac.bind(crypto)),
    keyStoreStatus: timed("keyStoreStatus", crypto.keyStoreStatus.bind(crypto)),
    close: () => crypto.close(),
  };
}
