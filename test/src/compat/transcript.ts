import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Replaying recorded KES transcripts (../shared/reference/transcripts): loading them, feeding
 * our own earlier answers into later requests, and comparing answers by shape where the
 * recording holds random values.
 */

export interface Step {
  readonly name: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    /** A JSON value sent as JSON, or a string sent as is. */
    readonly body?: unknown;
  };
  readonly response: Answer;
}

export interface Answer {
  readonly status: number;
  readonly content_type: string | null;
  readonly body: string;
}

/** The repository root: the directory holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("repository root (pnpm-workspace.yaml) not found");
    dir = up;
  }
  return dir;
}

/** ../shared/reference/transcripts beside the repository, or undefined when absent. */
export function transcriptsDir(): string | undefined {
  const dir = join(repoRoot(), "..", "shared", "reference", "transcripts");
  return existsSync(dir) ? dir : undefined;
}

export function loadTranscript(dir: string, file: string): Step[] {
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as Step[];
}

/**
 * Random values of the recording (generated keys, ciphertexts, identities) mapped to ours.
 * Requests get our values in place of recorded ones; answers must map consistently.
 */
export class ValueMap {
  readonly #ours = new Map<string, string>();
  readonly #answers = new Map<string, unknown>();

  /** Remembers a step's answers (recorded and ours) for `@{name.field}` and value mapping. */
  learn(step: string, recorded: unknown, ours: unknown): void {
    this.#answers.set(step, ours);
    walk(recorded, ours, (r, o) => {
      if (typeof r === "string" && typeof o === "string" && !this.#ours.has(r)) {
        this.#ours.set(r, o);
      }
    });
  }

  /** Marks request values as sent unchanged (so an answer echoing them must echo them). */
  learnSent(value: unknown): void {
    walk(value, value, (r) => {
      if (typeof r === "string" && !this.#ours.has(r)) this.#ours.set(r, r);
    });
  }

  ours(recorded: string): string | undefined {
    return this.#ours.get(recorded);
  }

  /** A request body with `@{name.field}` tokens and recorded random values replaced by ours. */
  substitute(value: unknown): unknown {
    if (typeof value === "string") {
      const token = /^@\{([^.}]+)\.([^}]+)\}$/.exec(value);
      if (token !== null) {
        const answer = this.#answers.get(token[1] as string) as Record<string, unknown> | undefined;
        const field = answer?.[token[2] as string];
        if (typeof field !== "string") throw new Error(`no value for ${value}`);
        return field;
      }
      return this.#ours.get(value) ?? value;
    }
    if (Array.isArray(value)) return value.map((v) => this.substitute(v));
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.substitute(v)] as const),
      );
    }
    return value;
  }
}

function walk(a: unknown, b: unknown, visit: (a: unknown, b: unknown) => void): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (const [i, v] of a.entries()) walk(v, b[i], visit);
  } else if (isObject(a) && isObject(b)) {
    for (const [k, v] of Object.entries(a)) walk(v, b[k], visit);
  } else {
    visit(a, b);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Fields whose recorded values are random per run: compared by format, not by value. */
const VOLATILE: Readonly<Record<string, RegExp>> = {
  identity: /^[0-9a-f]{64}$/,
  created_by: /^[0-9a-f]{64}$/,
  created_at: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/,
  id: /^[0-9a-f]{32}$/,
  plaintext: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  ciphertext: /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  version: /^.+$/,
  commit: /^.+$/,
};

/**
 * /v1/status figures of the machine that answers: compared as non-negative integers, with the
 * unit rules of kes-api.md §2.3 (uptime: whole seconds in nanoseconds; latency: at least 1 ms).
 */
const MEASURED: Readonly<Record<string, (n: number) => boolean>> = {
  uptime: (n) => n % 1_000_000_000 === 0,
  num_cpu: (n) => n >= 1,
  num_cpu_used: (n) => n >= 1,
  mem_heap_used: (n) => n > 0,
  mem_stack_used: () => true,
  keystore_latency: (n) => n >= 1,
};

// Timestamps differ by microseconds between fields of one recording, and version and commit
// were both "<unknown>": never mapped.
const UNMAPPED = new Set(["created_at", "version", "commit"]);

/**
 * Asserts that `ours` answers like `expected`: status, content type, and body (JSON and
 * nd-json by shape: same keys and types, same fixed values, random values well-formed and
 * consistent with earlier answers when `values` is given).
 */
export function assertSameAnswer(
  where: string,
  ours: Answer,
  expected: Answer,
  values: ValueMap | undefined,
): void {
  assert.equal(ours.status, expected.status, `${where}: status (our body: ${ours.body})`);
  assert.equal(ours.content_type, expected.content_type, `${where}: content type`);
  if (expected.content_type === "application/x-ndjson") {
    const lines = (text: string) => text.split("\n").filter((l) => l !== "");
    const mine = lines(ours.body).map((l) => JSON.parse(l) as unknown);
    const theirs = lines(expected.body).map((l) => JSON.parse(l) as unknown);
    assert.equal(mine.length, theirs.length, `${where}: nd-json lines\n${ours.body}`);
    // KES lists in backend order; ours is sorted: compare as sets.
    const key = (v: unknown) => JSON.stringify(v);
    mine.sort((a, b) => key(a).localeCompare(key(b)));
    theirs.sort((a, b) => key(a).localeCompare(key(b)));
    for (const [i, t] of theirs.entries()) {
      assertShape(`${where}: line ${i}`, mine[i], t, undefined, values);
    }
    assert.equal(ours.body.endsWith("\n") || ours.body === "", true, `${where}: final newline`);
    return;
  }
  const expectedJson = tryJson(expected.body);
  if (expectedJson === undefined) {
    assert.equal(ours.body, expected.body, `${where}: body`);
    return;
  }
  const oursJson = tryJson(ours.body);
  assert.notEqual(oursJson, undefined, `${where}: our body is not JSON: ${ours.body}`);
  assertShape(`${where}: body`, oursJson, expectedJson, undefined, values);
  assert.equal(
    ours.body.endsWith("\n"),
    expected.body.endsWith("\n"),
    `${where}: trailing newline`,
  );
}

function assertShape(
  where: string,
  ours: unknown,
  expected: unknown,
  field: string | undefined,
  values: ValueMap | undefined,
): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(ours), `${where}: expected an array, got ${JSON.stringify(ours)}`);
    assert.equal(ours.length, expected.length, `${where}: array length`);
    for (const [i, e] of expected.entries())
      assertShape(`${where}[${i}]`, ours[i], e, field, values);
    return;
  }
  if (isObject(expected)) {
    assert.ok(isObject(ours), `${where}: expected an object, got ${JSON.stringify(ours)}`);
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(expected).sort(), `${where}: keys`);
    for (const [k, v] of Object.entries(expected)) {
      assertShape(`${where}.${k}`, ours[k], v, k, values);
    }
    return;
  }
  const measured = field === undefined ? undefined : MEASURED[field];
  if (measured !== undefined && typeof expected === "number") {
    assert.ok(
      typeof ours === "number" && Number.isInteger(ours) && ours >= 0 && measured(ours),
      `${where}: expected a measured figure, got ${JSON.stringify(ours)}`,
    );
    return;
  }
  const format = field === undefined ? undefined : VOLATILE[field];
  if (format === undefined || typeof expected !== "string") {
    assert.deepEqual(ours, expected, where);
    return;
  }
  assert.equal(typeof ours, "string", `${where}: expected a string`);
  assert.match(ours as string, format, where);
  const mapped =
    values === undefined || UNMAPPED.has(field ?? "") ? undefined : values.ours(expected);
  if (mapped !== undefined) {
    assert.equal(ours, mapped, `${where}: must equal our earlier answer for the same value`);
  }
}

export function tryJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
