import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closedPort } from "@kes/client/testing";
import { fakeIo } from "../testing/fake-io.js";
import { type FakeKes, json, kes, kesFails, startFakeKes } from "../testing/kes-harness.js";
import { register } from "./status.js";

/** The 2023 transcript's status, an hour in. */
const STATUS = {
  version: "v0.1.0",
  os: "linux",
  arch: "amd64",
  uptime: 3725e9,
  num_cpu: 2,
  num_cpu_used: 2,
  mem_heap_used: 2744000,
  mem_stack_used: 688128,
  keystore_latency: 1,
};

const APIS = [
  { method: "POST", path: "/v1/key/create/", max_body: 0, timeout: 15, verify_auth: true },
  { method: "GET", path: "/version", max_body: 0, timeout: 15, verify_auth: false },
  { method: "GET", path: "/v1/log/audit", max_body: 0, timeout: 0, verify_auth: true },
  { method: "POST", path: "/v1/key/import/", max_body: 1048576, timeout: 15, verify_auth: true },
];

let fake: FakeKes;
let unreachable: FakeKes;
let denied: FakeKes;

before(async () => {
  fake = await startFakeKes((req) => (req.path === "/v1/api" ? json(APIS) : json(STATUS)));
  unreachable = await startFakeKes(() =>
    json({
      ...STATUS,
      keystore_latency: undefined,
      keystore_unavailable: true,
      keystore_unreachable: true,
    }),
  );
  denied = await startFakeKes(() =>
    json({ message: "not authorized: insufficient permissions" }, 403),
  );
});

after(async () => {
  await Promise.all([fake.close(), unreachable.close(), denied.close()]);
});

const run = (args: string[], env: Record<string, string>, tty = false) =>
  kes([register], ["status", "-k", ...args], fakeIo(env, { tty }));

describe("kes status", () => {
  it("shows a block per server on a terminal", async () => {
    const io = await run([], fake.env(), true);
    const out = io.out().replace(/Latency {5}\S+/, "Latency     <t>");
    assert.equal(
      out,
      [
        `● ${fake.server.endpoint}`,
        "  Version     v0.1.0",
        "  Uptime      1h 2m 5s",
        "  Latency     <t>",
        "  OS          linux/amd64",
        "  CPUs        2 of 2",
        "  Memory      heap 2.6 MiB, stack 672 KiB",
        "  Keystore    reachable, 1ms",
        "",
      ].join("\n"),
    );
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/status");
  });

  it("says when the keystore is unreachable", async () => {
    const io = await run(["--short"], unreachable.env(), true);
    assert.match(
      io.out(),
      /^● https:\/\/127\.0\.0\.1:\d+ {2}online {2}version v0\.1\.0 {2}up 1h 2m 5s {2}latency \S+ {2}keystore unreachable\n$/,
    );
  });

  it("prints KES's status JSON when piped or with --json, plus the endpoint and round trip", async () => {
    for (const [args, tty] of [
      [[], false],
      [["--json"], true],
      [["-s", "--json"], true],
    ] as const) {
      const io = await run([...args], fake.env(), tty);
      const lines = io.out().trimEnd().split("\n");
      assert.equal(lines.length, 1);
      const { latency_ms, ...status } = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
      assert.equal(typeof latency_ms, "number");
      assert.deepEqual(status, { endpoint: fake.server.endpoint, ...STATUS });
    }
  });

  it("lists the APIs sorted by path with --api", async () => {
    const table = await run(["--api"], fake.env(), true);
    assert.equal(
      table.out(),
      [
        "Method  Path             Max body  Timeout  Auth",
        "POST    /v1/key/create/  -         15s      policy",
        "POST    /v1/key/import/  1 MiB     15s      policy",
        "GET     /v1/log/audit    -         -        policy",
        "GET     /version         -         15s      none",
        "",
      ].join("\n"),
    );
    const piped = await run(["--api"], fake.env());
    assert.deepEqual(
      piped
        .out()
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).path),
      ["/v1/key/create/", "/v1/key/import/", "/v1/log/audit", "/version"],
    );
    assert.deepEqual(JSON.parse(piped.out().split("\n")[0] ?? ""), APIS[0]);
  });

  it("shows every server of KES_SERVER and fails when one does not answer", async () => {
    const down = `https://127.0.0.1:${await closedPort()}`;
    const env = { ...fake.env(), KES_SERVER: `${fake.server.endpoint},${down}` };
    const io = fakeIo(env, { tty: true });
    await kesFails([register], ["status", "-k", "--short"], io, "1 of 2 servers did not answer");
    const lines = io.out().trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? "", /^● https:\/\/127\.0\.0\.1:\d+ {2}online /);
    assert.match(
      lines[1] ?? "",
      new RegExp(
        `^● ${down.replaceAll(".", "\\.")} {2}offline {2}cannot connect to .*connection refused`,
      ),
    );
  });

  it("fails with the server's message or the connection problem, printing nothing", async () => {
    const io = fakeIo(denied.env(), { tty: true });
    await kesFails([register], ["status", "-k"], io, "not authorized: insufficient permissions");
    assert.equal(io.out(), "");
    const env = { ...fake.env(), KES_SERVER: `https://127.0.0.1:${await closedPort()}` };
    await kesFails(
      [register],
      ["status", "-k"],
      fakeIo(env),
      /connection refused\. Is the KES server running/,
    );
  });

  it("takes the server as --server (-s is --short here)", async () => {
    const env = { ...fake.env(), KES_SERVER: "https://127.0.0.1:1" };
    const io = await run(["--server", fake.server.endpoint, "-s"], env, true);
    assert.match(io.out(), /^● https:\/\/127\.0\.0\.1:\d+ {2}online /);
  });
});
