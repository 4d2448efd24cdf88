import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { type Simulator, startSimulator, TOKEN_MODES } from "./index.js";
import { call } from "./testing/http.js";
import { guideSetup, jwtFor, kesCreate, kesGet, kesList } from "./testing/setup.js";

const CREATE = { method: "POST", path: "^/api/v1/vault/secrets/?$" } as const;
const EXPORT = { method: "POST", path: "/export$" } as const;
const LIST = { method: "GET", path: "^/api/v1/vault/secrets/?$" } as const;
const TOKENS = { method: "POST", path: "^/api/v1/auth/tokens/?$" } as const;

/** KES's retry helper (§1.2): 3 attempts, retried on 5xx and on dropped connections. */
async function withKesRetry(attempt: () => Promise<{ status: number }>) {
  let last: { status: number } | Error = new Error("no attempt");
  for (let i = 0; i < 3; i++) {
    try {
      last = await attempt();
      if (last.status < 500) return last;
    } catch (err) {
      last = err as Error;
    }
  }
  return last;
}

describe("fault knobs (ciphertrust.md §5.4)", () => {
  let sim: Simulator;
  let jwt: string;
  let refreshToken: string;
  let randomValue = 0.3;

  before(async () => {
    sim = await startSimulator({ random: () => randomValue });
  });
  after(() => sim.close());
  beforeEach(async () => {
    randomValue = 0.3;
    sim.reset();
    ({ refreshToken } = await guideSetup(sim));
    jwt = await jwtFor(sim, refreshToken);
    sim.log.clear();
  });

  it("latency delays the answer and is logged", async () => {
    const id = sim.faults.add({
      match: { method: "GET", path: "^/$" },
      action: { type: "latency", ms: 200 },
    });
    const start = performance.now();
    const res = await call(sim.url, "GET", "/");
    assert.equal(res.status, 200);
    assert.ok(performance.now() - start >= 190, "answer came after the injected latency");
    assert.deepEqual(sim.log.entries({ path: "/" })[0]?.faults, [id]);
  });

  it("503 twice then success: a KES-style retry creates the key on the 3rd attempt", async () => {
    const id = sim.faults.add({
      match: CREATE,
      trigger: { type: "next", count: 2 },
      action: { type: "status", status: 503 },
    });
    const res = await withKesRetry(() => kesCreate(sim, jwt, "k"));
    assert.equal((res as { status: number }).status, 201);
    assert.deepEqual(
      sim.log.entries({ route: "secrets.create" }).map((e) => e.status),
      [201],
      "only the third attempt reached the handler",
    );
    assert.deepEqual(
      sim.log.entries({ method: "POST", path: "/api/v1/vault/secrets" }).map((e) => e.status),
      [503, 503, 201],
    );
    assert.deepEqual(
      sim.faults.list().map((f) => [f.id, f.hits, f.remaining]),
      [[id, 2, 0]],
    );
  });

  it("503 three times: the create fails and nothing is stored", async () => {
    sim.faults.add({
      match: CREATE,
      trigger: { type: "next", count: 3 },
      action: { type: "status", status: 503 },
    });
    const res = await withKesRetry(() => kesCreate(sim, jwt, "k"));
    assert.equal((res as { status: number }).status, 503);
    assert.equal((res as { json?: { code: number } }).json?.code, 14);
    assert.equal(sim.state.secrets().length, 0);
  });

  it("status bodies: HTML, plain text, empty, and an odd content type", async () => {
    sim.faults.add({
      match: EXPORT,
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 502, body: "html" },
    });
    const html = await kesGet(sim, jwt, "k");
    assert.equal(html.status, 502);
    assert.match(String(html.headers["content-type"]), /^text\/html/);
    assert.match(html.text, /502 Bad Gateway/);

    sim.faults.add({
      match: EXPORT,
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 500, body: "text" },
    });
    const text = await kesGet(sim, jwt, "k");
    assert.match(String(text.headers["content-type"]), /^text\/plain/);

    sim.faults.add({
      match: EXPORT,
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 500, body: "empty" },
    });
    assert.equal((await kesGet(sim, jwt, "k")).text, "");

    sim.faults.add({
      match: EXPORT,
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 500, contentType: "application/json; charset=utf-8" },
    });
    const odd = await kesGet(sim, jwt, "k");
    assert.equal(odd.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(odd.json.codeDesc, "NCERRInternalServerError: unexpected error");
  });

  it("commit-then-5xx on create: stored, answered 500, and the retry gets 409", async () => {
    sim.faults.add({
      match: CREATE,
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 500, commit: true },
    });
    const first = await kesCreate(sim, jwt, "k");
    assert.equal(first.status, 500);
    assert.equal(sim.state.secrets().length, 1);
    const retry = await kesCreate(sim, jwt, "k");
    assert.equal(retry.status, 409, "KES would now report 'key already exists'");
  });

  it("commit-then-drop on create: the connection dies, the secret exists", async () => {
    sim.faults.add({
      match: CREATE,
      trigger: { type: "next", count: 1 },
      action: { type: "drop", commit: true },
    });
    await assert.rejects(kesCreate(sim, jwt, "k"));
    assert.equal(sim.state.secrets().length, 1);
    const [entry] = sim.log.entries({ method: "POST", path: "/api/v1/vault/secrets" });
    assert.deepEqual(
      [entry?.status, entry?.outcome, entry?.route],
      [null, "dropped", "secrets.create"],
    );
  });

  it("drop before headers without commit: nothing happens server-side", async () => {
    sim.faults.add({
      match: CREATE,
      trigger: { type: "next", count: 1 },
      action: { type: "drop" },
    });
    await assert.rejects(kesCreate(sim, jwt, "k"));
    assert.equal(sim.state.secrets().length, 0);
  });

  it("drop after headers and truncated bodies break the answer mid-way", async () => {
    await kesCreate(sim, jwt, "k", "x".repeat(1000));
    sim.faults.add({
      match: EXPORT,
      trigger: { type: "next", count: 1 },
      action: { type: "drop", when: "after-headers" },
    });
    const headersOnly = await kesGet(sim, jwt, "k");
    assert.equal(headersOnly.status, 200);
    assert.equal(headersOnly.aborted, true);
    assert.ok(Number(headersOnly.headers["content-length"]) > 1000);
    assert.equal(headersOnly.text, "");

    sim.faults.add({
      match: EXPORT,
      trigger: { type: "next", count: 1 },
      action: { type: "truncate", fraction: 0.5 },
    });
    const truncated = await kesGet(sim, jwt, "k");
    assert.equal(truncated.status, 200);
    assert.equal(truncated.aborted, true);
    assert.ok(truncated.text.length > 0);
    assert.ok(truncated.text.length < Number(truncated.headers["content-length"]));
    assert.throws(() => JSON.parse(truncated.text));
    assert.deepEqual(
      sim.log.entries({ route: "secrets.export" }).map((e) => e.outcome),
      ["headers-only", "truncated"],
    );
  });

  it("429 with Retry-After", async () => {
    sim.faults.add({ match: LIST, action: { type: "status", status: 429, retryAfter: "7" } });
    const res = await call(sim.url, "GET", "/api/v1/vault/secrets", { token: jwt });
    assert.equal(res.status, 429);
    assert.equal(res.headers["retry-after"], "7");
    assert.equal(typeof res.json.code, "number");
  });

  it("hang: the token request is accepted and never answered", async () => {
    sim.faults.add({ match: TOKENS, action: { type: "hang" } });
    await assert.rejects(
      call(sim.url, "POST", "/api/v1/auth/tokens", {
        body: { grant_type: "refresh_token", refresh_token: refreshToken, domain: "" },
        timeoutMs: 300,
      }),
      /client timeout/,
    );
    const entry = await sim.log.waitFor((e) => e.path === "/api/v1/auth/tokens");
    assert.deepEqual([entry.status, entry.outcome], [null, "hung"]);
  });

  it("token answers can be spoiled in every way KES validates", async () => {
    const grant = () =>
      call(sim.url, "POST", "/api/v1/auth/tokens", {
        body: { grant_type: "refresh_token", refresh_token: refreshToken, domain: "" },
      });
    const seen: Record<string, unknown> = {};
    for (const mode of TOKEN_MODES) {
      const id = sim.faults.add({
        match: TOKENS,
        trigger: { type: "next", count: 1 },
        action: { type: "token", mode },
      });
      const res = await grant();
      sim.faults.remove(id);
      seen[mode] = {
        "lowercase-bearer": res.json?.token_type,
        "zero-duration": res.json?.duration,
        "missing-jwt": res.json !== undefined && !("jwt" in res.json),
        "empty-jwt": res.json?.jwt,
        "status-201": res.status,
        "not-json": res.json === undefined && res.status === 200,
      }[mode];
    }
    assert.deepEqual(seen, {
      "lowercase-bearer": "bearer",
      "zero-duration": 0,
      "missing-jwt": true,
      "empty-jwt": "",
      "status-201": 201,
      "not-json": true,
    });
  });

  it("list: a wrong echoed skip makes KES's scan fail out-of-sync", async () => {
    await kesCreate(sim, jwt, "a");
    sim.faults.add({ match: LIST, action: { type: "list", mode: "wrong-skip" } });
    assert.equal((await kesList(sim, jwt)).error, "pagination is out-of-sync");
  });

  it("list: an inflated total or empty pages make KES's scan spin", async () => {
    await kesCreate(sim, jwt, "a");
    const id = sim.faults.add({
      match: LIST,
      action: { type: "list", mode: "inflate-total", by: 5 },
    });
    const spun = await kesList(sim, jwt, 5);
    assert.equal(spun.error, "gave up: the scan does not end");
    sim.faults.remove(id);
    sim.faults.add({ match: LIST, action: { type: "list", mode: "empty-page" } });
    assert.equal((await kesList(sim, jwt, 5)).error, "gave up: the scan does not end");
  });

  it("list: an omitted resources key repeats the previous page in KES; null is an empty page", async () => {
    for (let i = 0; i < 250; i++)
      sim.state.addSecret("root", { name: `k${i}`, dataType: "seed", material: "m" });
    sim.faults.add({
      match: LIST,
      skip: 1,
      trigger: { type: "next", count: 1 },
      action: { type: "list", mode: "omit-resources" },
    });
    const dup = await kesList(sim, jwt);
    assert.equal(dup.names.length, 400);
    assert.equal(new Set(dup.names).size, 200);

    sim.faults.add({
      match: LIST,
      trigger: { type: "next", count: 1 },
      action: { type: "list", mode: "null-resources" },
    });
    const res = await call(sim.url, "GET", "/api/v1/vault/secrets?limit=200&skip=0", {
      token: jwt,
    });
    assert.equal(res.json.resources, null);
    assert.equal(res.json.total, 250);
  });

  it("list: a page cap below 200 still yields every name to KES", async () => {
    for (let i = 0; i < 120; i++)
      sim.state.addSecret("root", { name: `k${i}`, dataType: "seed", material: "m" });
    sim.faults.add({ match: LIST, action: { type: "list", mode: "page-cap", cap: 50 } });
    const result = await kesList(sim, jwt);
    assert.equal(result.error, undefined);
    assert.equal(result.pages, 4);
    assert.equal(new Set(result.names).size, 120);
  });

  it("list: shuffled order", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    for (const name of names)
      sim.state.addSecret("root", { name, dataType: "seed", material: "m" });
    let seed = 7;
    randomValue = 0;
    const lcg = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // The simulator's random source is a closure over randomValue; drive it per call.
    sim.faults.add({ match: LIST, action: { type: "list", mode: "shuffle" } });
    const results: string[][] = [];
    for (let i = 0; i < 2; i++) {
      randomValue = lcg();
      const res = await call(sim.url, "GET", "/api/v1/vault/secrets?limit=200", { token: jwt });
      results.push(res.json.resources.map((r: { name: string }) => r.name));
    }
    for (const order of results) {
      assert.deepEqual([...order].sort(), names);
    }
    assert.ok(
      results.some((order) => order.join() !== names.join()),
      "order differs from creation order",
    );
  });

  it("oversize pads a JSON answer past a client's size limit", async () => {
    sim.faults.add({ match: TOKENS, action: { type: "oversize", bytes: 1024 * 1024 + 10 } });
    const res = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      body: { grant_type: "refresh_token", refresh_token: refreshToken, domain: "" },
    });
    assert.ok(res.text.length > 1024 * 1024);
    assert.ok(res.text.indexOf('"jwt"') > 1024 * 1024, "real fields come after the padding");
    assert.equal(typeof res.json.jwt, "string");
  });

  it("triggers: probability and skip", async () => {
    randomValue = 0.3;
    const likely = sim.faults.add({
      match: { path: "^/$" },
      trigger: { type: "probability", p: 0.5 },
      action: { type: "status", status: 500 },
    });
    assert.equal((await call(sim.url, "GET", "/")).status, 500, "0.3 < 0.5 fires");
    sim.faults.remove(likely);
    sim.faults.add({
      match: { path: "^/$" },
      trigger: { type: "probability", p: 0.2 },
      action: { type: "status", status: 500 },
    });
    assert.equal((await call(sim.url, "GET", "/")).status, 200, "0.3 >= 0.2 does not fire");
    sim.faults.clear();

    sim.faults.add({
      match: { path: "^/$" },
      skip: 1,
      trigger: { type: "next", count: 1 },
      action: { type: "status", status: 404, body: "html" },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(sim.url, "GET", "/")).status);
    assert.deepEqual(statuses, [200, 404, 200]);
  });

  it("rejects malformed fault specs, naming the field", () => {
    const bad: [unknown, RegExp][] = [
      [{ action: { type: "explode" } }, /action.type must be one of/],
      [
        { action: { type: "status", status: 99 } },
        /action.status must be an integer in \[200, 599\]/,
      ],
      [
        { match: { path: "(" }, action: { type: "hang" } },
        /match.path is not a valid regular expression/,
      ],
      [{ trigger: { type: "next", count: 0 }, action: { type: "hang" } }, /trigger.count/],
      [{ trigger: { type: "probability", p: 2 }, action: { type: "hang" } }, /trigger.p/],
      [{ action: { type: "list", mode: "sideways" } }, /action.mode must be one of/],
      [{}, /action must be an object/],
    ];
    for (const [spec, re] of bad) {
      assert.throws(
        () => sim.faults.add(spec as never),
        (err: unknown) => isKesError(err, "invalid_argument") && re.test(err.message),
        JSON.stringify(spec),
      );
    }
    assert.equal(sim.faults.list().length, 0);
  });
});

describe("closing", () => {
  it("close() ends hung requests, and a closed simulator refuses connections", async () => {
    const sim = await startSimulator();
    sim.faults.add({ action: { type: "hang" } });
    const pending = call(sim.url, "GET", "/", { timeoutMs: 30_000 });
    await new Promise<void>((resolve) => {
      const poll = () => (sim.log.count({ path: "/" }) > 0 ? resolve() : setTimeout(poll, 10));
      poll();
    });
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      sim.close().then(() => "closed"),
      new Promise((r) => {
        timer = setTimeout(() => r("still open"), 3000);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(closed, "closed");
    await assert.rejects(pending);
    await assert.rejects(call(sim.url, "GET", "/"), /ECONNREFUSED/);
  });
});
