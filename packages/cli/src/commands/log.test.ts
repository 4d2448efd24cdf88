import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Reply } from "@kes/client/testing";
import { CommanderError } from "commander";
import { fakeIo } from "../testing/fake-io.js";
import {
  type FakeKes,
  json,
  kes,
  kesFails,
  startFakeKes,
  testInterrupt,
  watchedIo,
} from "../testing/kes-harness.js";
import { register } from "./log.js";

const APP = "e55948f79a66d9f395bec837e1dd579e491e1e44124d64896e2f8c8251788492";

const event = (path: string, code: number, ns: number, identity = APP) =>
  JSON.stringify({
    time: "2023-02-15T14:54:37.123456789+01:00",
    request: { ip: "127.0.0.1", path, identity },
    response: { code, time: ns },
  });

const EVENTS = [
  event("/v1/key/create/my-app-key", 200, 1_234_000),
  event("/v1/key/create/other-key", 403, 87_000),
  event("/v1/key/generate/my-app-key", 200, 12_345_000),
];

const stream = (lines: readonly string[], extra: Partial<Reply> = {}): Reply => ({
  headers: { "content-type": "application/x-ndjson" },
  chunks: lines.map((l) => `${l}\n`),
  ...extra,
});

/** What the fake server does next on /v1/log/*; set per test. */
let reply: (path: string) => Reply = () => stream(EVENTS);
let fake: FakeKes;

before(async () => {
  fake = await startFakeKes((req) => reply(req.path));
});

after(() => fake.close());

describe("kes log", () => {
  it("prints the raw audit events when piped, until the server ends the stream", async () => {
    reply = () => stream(EVENTS);
    const io = await kes([register], ["log", "-k"], fakeIo(fake.env()));
    assert.equal(io.out(), EVENTS.map((e) => `${e}\n`).join(""));
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/log/audit");
  });

  it("prints aligned columns on a terminal: time, identity, status, API, latency", async () => {
    reply = () => stream(EVENTS);
    const io = await kes([register], ["log", "-k", "--audit"], fakeIo(fake.env(), { tty: true }));
    assert.equal(
      io.out(),
      [
        "Time      Identity   Status                    API                                       Latency",
        "14:54:37  e55948f7…  200 OK                    /v1/key/create/my-app-key                 1.2ms",
        "14:54:37  e55948f7…  403 Forbidden             /v1/key/create/other-key                  87µs",
        "14:54:37  e55948f7…  200 OK                    /v1/key/generate/my-app-key               12ms",
        "",
      ].join("\n"),
    );
  });

  it("prints the JSON lines on a terminal with --json, and the error log with --error", async () => {
    reply = () => stream(EVENTS);
    const forced = await kes(
      [register],
      ["log", "-k", "--json"],
      fakeIo(fake.env(), { tty: true }),
    );
    assert.equal(forced.out(), EVENTS.map((e) => `${e}\n`).join(""));

    const messages = ['{"message":"2023/02/15 14:54:37 Error: keystore unreachable"}'];
    reply = () => stream(messages);
    const tty = await kes([register], ["log", "-k", "--error"], fakeIo(fake.env(), { tty: true }));
    assert.equal(tty.out(), "2023/02/15 14:54:37 Error: keystore unreachable\n");
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/log/error");
    const piped = await kes([register], ["log", "-k", "--error"], fakeIo(fake.env()));
    assert.equal(piped.out(), `${messages[0]}\n`);
  });

  it("ends cleanly when interrupted while the stream stays open", async () => {
    reply = () => stream(EVENTS.slice(0, 2), { keepOpen: true });
    const interrupt = testInterrupt();
    const io = watchedIo(fake.env(), {}, (out) => {
      if (out.split("\n").length > 2) interrupt.stop();
    });
    await kes([register], ["log", "-k"], io, interrupt.source);
    assert.equal(io.out(), `${EVENTS[0]}\n${EVENTS[1]}\n`);
    assert.ok(interrupt.disposed(), "signal handlers removed");
  });

  it("reports a connection that breaks mid-stream", async () => {
    reply = () => stream(EVENTS.slice(0, 1), { destroyAfterChunks: true });
    const io = fakeIo(fake.env());
    await kesFails(
      [register],
      ["log", "-k"],
      io,
      /^lost the connection to https:\/\/127\.0\.0\.1:\d+: /,
    );
    assert.equal(io.out(), `${EVENTS[0]}\n`);
  });

  it("reports the server's refusal and refuses --audit with --error", async () => {
    reply = () => json({ message: "not authorized: insufficient permissions" }, 403);
    await kesFails(
      [register],
      ["log", "-k"],
      fakeIo(fake.env()),
      "not authorized: insufficient permissions",
    );
    const io = fakeIo(fake.env());
    await assert.rejects(kes([register], ["log", "--audit", "--error"], io), CommanderError);
    assert.match(io.err(), /option '--error' cannot be used with option '--audit'/);
  });
});
