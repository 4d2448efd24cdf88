import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { createLogger, isKesError } from "@kes/core";
import { type AccessToken, parseTokenAnswer, TokenKeeper } from "./token.js";

const answer = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("CipherTrust token answer", () => {
  it("accepts KES's shape and builds the Bearer header", () => {
    assert.deepEqual(
      parseTokenAnswer(
        answer({ jwt: "eyJ.a.b", token_type: "Bearer", duration: 300, client_id: "c" }),
      ),
      { header: "Bearer eyJ.a.b", durationMs: 300_000 },
    );
  });

  for (const [label, body, pattern] of [
    ["not JSON", Buffer.from("<html>"), /not JSON/],
    ["an array", answer([]), /not a JSON object/],
    ["no jwt", answer({ token_type: "Bearer", duration: 300 }), /no jwt/],
    ["an empty jwt", answer({ jwt: "", token_type: "Bearer", duration: 300 }), /no jwt/],
    [
      "a lower-case type",
      answer({ jwt: "j", token_type: "bearer", duration: 300 }),
      /token_type is "bearer", expected "Bearer"/,
    ],
    ["a zero duration", answer({ jwt: "j", token_type: "Bearer", duration: 0 }), /duration is 0/],
    [
      "a text duration",
      answer({ jwt: "j", token_type: "Bearer", duration: "300" }),
      /duration is "300"/,
    ],
    [
      "a jwt with a newline",
      answer({ jwt: "j\r\nX: y", token_type: "Bearer", duration: 1 }),
      /characters a header cannot carry/,
    ],
  ] as const) {
    it(`refuses ${label}, without echoing the jwt`, () => {
      assert.throws(
        () => parseTokenAnswer(body),
        (err: unknown) => {
          assert.ok(isKesError(err, "keystore_failure"));
          assert.match(err.message, /token answer is malformed/);
          assert.match(err.message, pattern);
          assert.ok(!err.message.includes("eyJ"));
          return true;
        },
      );
    });
  }
});

/** Lets pending promise callbacks run (setImmediate is not mocked). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("TokenKeeper", () => {
  let issued: number;
  let failNext: number;
  let pending: ((token: AccessToken) => void)[];
  let manual: boolean;
  let lines: string[];

  function request(): Promise<AccessToken> {
    issued++;
    if (manual) return new Promise((resolve) => pending.push(resolve));
    if (failNext > 0) {
      failNext--;
      return Promise.reject(new Error("CipherTrust Manager refused the refresh token"));
    }
    return Promise.resolve({ header: `Bearer jwt-${issued}`, durationMs: 10_000 });
  }

  function keeper(retryMs = 3_000): TokenKeeper {
    const log = createLogger({
      level: "debug",
      destination: { write: (s: string) => lines.push(s) },
    });
    return new TokenKeeper(request, { retryMs, log });
  }

  beforeEach(() => {
    issued = 0;
    failNext = 0;
    pending = [];
    manual = false;
    lines = [];
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
  });
  afterEach(() => mock.timers.reset());

  it("obtains a token at start and renews it at half its lifetime", async () => {
    const k = keeper();
    await k.start();
    assert.equal(k.header, "Bearer jwt-1");
    mock.timers.tick(4_999);
    await settle();
    assert.equal(issued, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(issued, 2);
    assert.equal(k.header, "Bearer jwt-2");
    mock.timers.tick(5_000);
    await settle();
    assert.equal(issued, 3);
    k.close();
  });

  it("lets a failed start fail", async () => {
    failNext = 1;
    await assert.rejects(keeper().start(), /refused the refresh token/);
  });

  it("keeps the old token after a failed renewal, logs it, and retries after retryMs", async () => {
    const k = keeper(3_000);
    await k.start();
    failNext = 2;
    mock.timers.tick(5_000);
    await settle();
    assert.equal(issued, 2);
    assert.equal(k.header, "Bearer jwt-1", "the old token is used meanwhile");
    assert.ok(lines.some((l) => l.includes("renewal failed") && l.includes('"retryInMs":3000')));
    mock.timers.tick(2_999);
    await settle();
    assert.equal(issued, 2);
    mock.timers.tick(1);
    await settle();
    assert.equal(issued, 3, "retried after exactly retryMs");
    mock.timers.tick(3_000);
    await settle();
    assert.equal(issued, 4);
    assert.equal(k.header, "Bearer jwt-4");
    k.close();
  });

  it("shares one token request among concurrent renewals after a 401", async () => {
    const k = keeper();
    await k.start();
    manual = true;
    const waiting = Array.from({ length: 10 }, () => k.renewAfterRefusal("Bearer jwt-1"));
    await settle();
    assert.equal(issued, 2, "one token request for ten refusals");
    pending[0]?.({ header: "Bearer fresh", durationMs: 10_000 });
    assert.deepEqual(await Promise.all(waiting), Array(10).fill("Bearer fresh"));
    assert.equal(await k.renewAfterRefusal("Bearer jwt-1"), "Bearer fresh", "already renewed");
    assert.equal(issued, 2);
    k.close();
  });

  it("does not ask again within retryMs of a failed renewal", async () => {
    const k = keeper(3_000);
    await k.start();
    failNext = 1;
    await assert.rejects(k.renewAfterRefusal("Bearer jwt-1"), /refused the refresh token/);
    await assert.rejects(k.renewAfterRefusal("Bearer jwt-1"), /refused the refresh token/);
    assert.equal(issued, 2, "the second refusal reused the failure");
    mock.timers.tick(3_000);
    assert.equal(await k.renewAfterRefusal("Bearer jwt-1"), "Bearer jwt-3");
    k.close();
  });

  it("stops renewing when closed", async () => {
    const k = keeper();
    await k.start();
    k.close();
    mock.timers.tick(60_000);
    await settle();
    assert.equal(issued, 1);
    await assert.rejects(k.renewAfterRefusal("Bearer jwt-1"), /closed/);
  });
});
