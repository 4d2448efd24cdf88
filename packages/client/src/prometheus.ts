/**
 * A parser of the Prometheus text exposition format (version 0.0.4), which `/v1/metrics`
 * answers with by default. The one npm parser of this format has had no release in years, has
 * no types and folds labelled histograms into one sample, so this is our own: strict about the
 * grammar (every error names its line), lenient about what the format leaves open (blank lines,
 * plain comments, a trailing comma in a label set, `\r\n` line ends).
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** The sample's own name, e.g. `kes_http_response_time_bucket`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the epoch, when the line has a timestamp. */
  readonly timestampMs?: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  /** The HELP text, unescaped ("" without one). */
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** A line the format does not allow; `line` is 1-based. */
export class PrometheusParseError extends Error {
  override readonly name = "PrometheusParseError";
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`metrics line ${line}: ${reason}`);
  }
}

const TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;
/** Suffixes whose samples belong to the family named without them, by the family's type. */
const SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ["_total"],
  gauge: [],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
  untyped: [],
};

interface Family {
  name: string;
  type: MetricType | undefined;
  help: string | undefined;
  samples: Sample[];
}

/** Parses a whole exposition into its metric families, in the order they first appear. */
export function parsePrometheusText(text: string): MetricFamily[] {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: undefined, help: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };

  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line.trim() === "") continue;
    if (line.trimStart().startsWith("#")) {
      metadata(line.trimStart(), lineNo, family);
      continue;
    }
    const sample = parseSample(line, lineNo);
    const key = `${sample.name}${labelKey(sample.labels)}`;
    if (seen.has(key)) throw new PrometheusParseError(lineNo, `duplicate sample ${key}`);
    seen.add(key);
    family(familyOf(sample.name, families)).samples.push(sample);
  }

  return [...families.values()].map((f) => ({
    name: f.name,
    type: f.type ?? "untyped",
    help: f.help ?? "",
    samples: f.samples,
  }));
}

/** `# HELP name text` and `# TYPE name type`; any other comment is ignored. */
function metadata(line: string, lineNo: number, family: (name: string) => Family): void {
  const m = /^#[ \t]+(HELP|TYPE)(?:[ \t]+(\S+))?(?:[ \t](.*))?$/.exec(line);
  if (m === null) return;
  const [, keyword, name, rest = ""] = m;
  if (name === undefined || !METRIC_NAME.test(name)) {
    throw new PrometheusParseError(lineNo, `${keyword} without a valid metric name`);
  }
  const f = family(name);
  if (keyword === "HELP") {
    if (f.help !== undefined) throw new PrometheusParseError(lineNo, `second HELP for ${name}`);
    f.help = unescapeText(rest, false, lineNo);
    return;
  }
  const type = rest.trim();
  if (!TYPES.has(type)) {
    throw new PrometheusParseError(lineNo, `unknown metric type "${type}" for ${name}`);
  }
  if (f.type !== undefined) throw new PrometheusParseError(lineNo, `second TYPE for ${name}`);
  if (f.samples.length > 0) {
    throw new PrometheusParseError(lineNo, `TYPE for ${name} comes after its samples`);
  }
  f.type = type as MetricType;
}

/** The family a sample belongs to: its own name, or a typed family it is a suffix of. */
function familyOf(sampleName: string, families: ReadonlyMap<string, Family>): string {
  if (families.has(sampleName)) return sampleName;
  for (const [name, f] of families) {
    if (f.type === undefined || !sampleName.startsWith(name)) continue;
    if (SUFFIXES[f.type].includes(sampleName.slice(name.length))) return name;
  }
  return sampleName;
}

/** A cursor over one sample line. */
class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly lineNo: number,
  ) {}

  fail(reason: string): never {
    throw new PrometheusParseError(this.lineNo, reason);
  }

  skipBlanks(): void {
    while (this.text[this.pos] === " " || this.text[this.pos] === "\t") this.pos++;
  }

  /** Characters up to (not including) one of `stops`. */
  until(stops: string): string {
    const start = this.pos;
    while (this.pos < this.text.length && !stops.includes(this.text[this.pos] as string)) {
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  expect(c: string, what: string): void {
    if (this.text[this.pos] !== c) this.fail(`expected ${what}`);
    this.pos++;
  }
}

function parseSample(line: string, lineNo: number): Sample {
  const s: Scanner = new Scanner(line, lineNo);
  s.skipBlanks();
  const name = s.until(" \t{");
  if (!METRIC_NAME.test(name)) s.fail(`invalid metric name "${name}"`);
  s.skipBlanks();
  const labels = s.peek() === "{" ? parseLabels(s) : {};
  s.skipBlanks();
  const valueText = s.until(" \t");
  if (valueText === "") s.fail(`no value for ${name}`);
  const value = parseValue(valueText);
  if (value === undefined) s.fail(`invalid value "${valueText}" for ${name}`);
  s.skipBlanks();
  const stampText = s.until(" \t");
  s.skipBlanks();
  if (s.pos < line.length) s.fail(`unexpected text after the sample of ${name}`);
  if (stampText === "") return { name, labels, value };
  if (!INTEGER.test(stampText)) s.fail(`invalid timestamp "${stampText}" for ${name}`);
  return { name, labels, value, timestampMs: Number(stampText) };
}

function parseLabels(s: Scanner): Record<string, string> {
  const labels: Record<string, string> = {};
  s.expect("{", '"{"');
  for (;;) {
    s.skipBlanks();
    if (s.peek() === "}") break;
    const name = s.until(" \t=}");
    if (!LABEL_NAME.test(name)) s.fail(`invalid label name "${name}"`);
    if (Object.hasOwn(labels, name)) s.fail(`label "${name}" given twice`);
    s.skipBlanks();
    s.expect("=", `"=" after label ${name}`);
    s.skipBlanks();
    labels[name] = labelValue(s, name);
    s.skipBlanks();
    if (s.peek() === ",") {
      s.pos++;
      continue;
    }
    if (s.peek() !== "}") s.fail(`expected "," or "}" after label ${name}`);
  }
  s.expect("}", '"}"');
  return labels;
}

/** A double-quoted label value with `\\`, `\"` and `\n` escapes. */
function labelValue(s: Scanner, name: string): string {
  s.expect('"', `a quoted value for label ${name}`);
  const start = s.pos;
  while (s.pos < s.text.length) {
    const c = s.text[s.pos];
    if (c === "\\") {
      s.pos += 2;
      continue;
    }
    if (c === '"') {
      const raw = s.text.slice(start, s.pos);
      s.pos++;
      return unescapeText(raw, true, s.lineNo);
    }
    s.pos++;
  }
  return s.fail(`unterminated value of label ${name}`);
}

/** HELP text knows `\\` and `\n`; label values also `\"`. Other escapes are kept as written. */
function unescapeText(raw: string, quote: boolean, lineNo: number): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === undefined) {
      if (quote) throw new PrometheusParseError(lineNo, "a label value ends with a lone backslash");
      out += "\\";
    } else if (next === "n") out += "\n";
    else if (next === "\\" || (quote && next === '"')) out += next;
    else out += `\\${next}`;
  }
  return out;
}

/** A Go float: decimal or exponent form, Inf/+Inf/-Inf or NaN (any case). */
export function parseValue(text: string): number | undefined {
  if (NUMBER.test(text)) return Number(text);
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  return undefined;
}

function labelKey(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`)}}`;
}
