import { type MetricRegistry, registerOnce } from "./register.js";

/**
 * Prometheus counters and gauges for the request path: a series is bound once and counting is
 * one addition, where a labelled prom-client child builds a label object and a hash string per
 * call (~1 us per request under load). Served by the prom-client registry through the public
 * metric contract (name, help, type, get()), in the shape prom-client's own Counter and Gauge
 * give: the exposition is byte for byte the same (counter.test.ts compares both formats).
 */
export class FastCounter {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly aggregator = "sum";
  readonly #labelName: string | undefined;
  readonly #series = new Map<string, CounterSeries>();

  constructor(options: FastCounterOptions) {
    this.name = options.name;
    this.help = options.help;
    this.type = options.type ?? "counter";
    this.#labelName = options.labelName;
    // Without a label, prom-client shows the one series (0) from the start.
    if (this.#labelName === undefined) this.series();
  }

  /** Registers it, or returns the one already registered under its name (shared registries). */
  static register(registry: MetricRegistry, options: FastCounterOptions): FastCounter {
    return registerOnce(registry, FastCounter, options);
  }

  /** The series of one label value (the only series when there is no label): bind it once. */
  series(labelValue = ""): CounterSeries {
    let series = this.#series.get(labelValue);
    if (series === undefined) {
      series = new CounterSeries();
      this.#series.set(labelValue, series);
    }
    return series;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: { value: number; labels: Record<string, string> }[];
    aggregator: string;
  }> {
    const name = this.#labelName;
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values: [...this.#series].map(([labelValue, series]) => ({
        value: series.value,
        labels: name === undefined ? {} : { [name]: labelValue },
      })),
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    for (const series of this.#series.values()) series.value = 0;
  }
}

export interface FastCounterOptions {
  readonly name: string;
  readonly help: string;
  /** "gauge": a value that also goes down. Default "counter". */
  readonly type?: "counter" | "gauge";
  /** One label (e.g. "code"), or none. */
  readonly labelName?: string;
}

export class CounterSeries {
  value = 0;

  inc(): void {
    this.value += 1;
  }

  dec(): void {
    this.value -= 1;
  }
}
