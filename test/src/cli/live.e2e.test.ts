/**
 * `kes log` and `kes metric` as a user runs them: a separate process following a real
 * `kes server` while other `kes` processes make requests, piped and in a pseudo-terminal,
 * stopped with Ctrl-C (SIGINT).
 */
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KesProcess, killAll, spawnKes } from "../support/kes-bin.js";
import {
  type ConfigServer,
  eventually,
  hasScript,
  kesInTerminal,
  killTerminals,
  startConfigServer,
} from "./support.js";

const noScript = !hasScript() && "no util-linux script on this machine";

/**
 * Makes requests until the follower shows one: then its stream is surely open (a log stream
 * only carries what happens after it was opened).
 */
let probes = 0;

async function untilFollowing(server: ConfigServer, shows: (path: string) => boolean) {
  const admin = server.client(server.admin);
  await eventually("the log stream to carry a request", async () => {
    const name = `probe-${probes++}`;
    await admin.createKey(name);
    await new Promise((r) => setTimeout(r, 200));
    return shows(`/v1/key/create/${name}`) ? true : undefined;
  });
}

const auditLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map(
      (l) =>
        JSON.parse(l) as {
          request: { path: string; identity: string };
          response: { code: number };
        },
    );

describe("kes log", () => {
  let server: ConfigServer;

  before(async () => {
    server = await startConfigServer();
  });

  after(async () => {
    await killTerminals();
    await killAll();
    await server?.stop();
  });

  it("piped: prints every request's audit event as a JSON line, in order, and stops on SIGINT", async () => {
    const log: KesProcess = spawnKes(["log", "-k"], { env: server.env(server.ops) });
    await untilFollowing(server, (path) => log.stdout.includes(path));
    const before = auditLines(log.stdout).length;

    // Another process (this test) makes requests as the app: allowed, refused and failing ones.
    const app = server.client(server.app);
    const burst: [() => Promise<unknown>, string, number][] = [
      [() => app.createKey("my-app-one"), "/v1/key/create/my-app-one", 200],
      [() => app.generate("my-app-one"), "/v1/key/generate/my-app-one", 200],
      [() => app.createKey("my-app-one"), "/v1/key/create/my-app-one", 400],
      [() => app.createKey("other"), "/v1/key/create/other", 403],
    ];
    for (const [request] of burst) await request().catch(() => undefined);

    const events = await eventually("the burst in the log", () => {
      const all = auditLines(log.stdout).slice(before);
      return all.length >= burst.length ? all : undefined;
    });
    assert.deepEqual(
      events.map((e) => [e.request.path, e.response.code]),
      burst.map(([, path, code]) => [path, code]),
    );
    assert.ok(events.every((e) => e.request.identity === server.app.identity));

    assert.deepEqual(await log.stop("SIGINT"), { code: 0, signal: null });
    assert.equal(log.stderr, "");
  });

  it("--error piped: prints the server's error events (a 5xx) as JSON lines", async () => {
    const own = await startConfigServer();
    try {
      // The fs keystore's directory turned into a file: listing keys fails with a 502.
      await rm(join(own.dir, "keys"), { recursive: true, force: true });
      await writeFile(join(own.dir, "keys"), "not a directory");
      const log = spawnKes(["log", "-k", "--error"], { env: own.env(own.ops) });
      const admin = own.client(own.admin);
      const line = await eventually("an error event", async () => {
        await assert.rejects(admin.listKeys()[Symbol.asyncIterator]().next(), /bad gateway/);
        await new Promise((r) => setTimeout(r, 200));
        return log.stdout.split("\n").find((l) => l !== "");
      });
      const { message } = JSON.parse(line) as { message: string };
      assert.match(
        message,
        /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Error: GET \/v1\/key\/list\/\*: 502 /,
      );
      assert.deepEqual(await log.stop("SIGINT"), { code: 0, signal: null });
      assert.equal(log.stderr, "");
    } finally {
      await own.stop();
    }
  });

  it("in a terminal: columns with time, identity, status, API and latency; Ctrl-C ends it", {
    skip: noScript,
  }, async () => {
    const t = kesInTerminal(["log", "-k"], server.env(server.ops));
    // The header is drawn as soon as the stream is open.
    await t.waitFor(/Time {6}Identity {3}Status +API +Latency/);
    await untilFollowing(server, (path) => t.screen.includes(path));

    await server.client(server.app).createKey("my-app-term");
    await server
      .client(server.admin)
      .describeKey("missing")
      .catch(() => undefined);
    const short = `${server.app.identity.slice(0, 8)}…`;
    await t.waitFor(
      new RegExp(
        `\\d\\d:\\d\\d:\\d\\d {2}${short} {2}200 OK +/v1/key/create/my-app-term +[\\d.]+(µs|ms|s)`,
      ),
    );
    await t.waitFor(/ {2}404 Not Found +\/v1\/key\/describe\/missing +[\d.]+(µs|ms|s)/);

    t.type("\x03");
    assert.equal(await t.exit(), 0, t.screen);
  });

  it("reports the end of the server: the stream closes, kes log exits", async () => {
    const own = await startConfigServer();
    try {
      const log = spawnKes(["log", "-k"], { env: own.env(own.ops) });
      await untilFollowing(own, (path) => log.stdout.includes(path));
      await own.process.stop("SIGTERM");
      const exit = await log.waitForExit(20_000);
      // A graceful shutdown ends the stream (exit 0); a cut connection is reported (exit 1).
      if (exit.code === 0) assert.equal(log.stderr, "");
      else {
        assert.equal(exit.code, 1);
        assert.match(
          log.stderr,
          /^Error: lost the connection to https:\/\/127\.0\.0\.1:\d+: .+\n$/,
        );
      }
    } finally {
      await own.stop();
    }
  });
});

describe("kes metric", () => {
  let server: ConfigServer;

  before(async () => {
    server = await startConfigServer();
  });

  after(async () => {
    await killTerminals();
    await killAll();
    await server?.stop();
  });

  it("piped: one JSON sample per line whose counters follow the requests", async () => {
    const metric = spawnKes(["metric", "-k", "--rate", "300ms"], { env: server.env(server.ops) });
    const samples = () =>
      metric.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, number>);
    const first = await eventually("a first sample", () => samples()[0]);
    assert.ok(
      first["kes_system_up_time"] !== undefined && first["kes_system_num_cpu"] !== undefined,
    );

    const admin = server.client(server.admin);
    await admin.createKey("metric-a");
    await admin.createKey("metric-a").catch(() => undefined);
    const later = await eventually("a sample after the requests", () =>
      samples().find(
        (s) =>
          (s["kes_http_request_success"] ?? 0) > (first["kes_http_request_success"] ?? 0) &&
          (s["kes_http_request_error"] ?? 0) > (first["kes_http_request_error"] ?? 0),
      ),
    );
    assert.ok((later["kes_system_up_time"] ?? 0) >= (first["kes_system_up_time"] ?? 0));
    const histogram = later["kes_http_response_time"] as unknown as { count: number };
    assert.ok(histogram.count >= 2);

    assert.deepEqual(await metric.stop("SIGINT"), { code: 0, signal: null });
    assert.equal(metric.stderr, "");
  });

  it("in a terminal: a view redrawn in place with the numbers; Ctrl-C restores the cursor", {
    skip: noScript,
  }, async () => {
    const t = kesInTerminal(["metric", "-k", "--rate", "300ms"], server.env(server.ops));
    await t.waitFor(/KES metrics {2}https:\/\/127\.0\.0\.1:\d+ {2}every 300ms/);
    await server.client(server.admin).createKey("metric-b");
    // Redraws: the cursor goes up over the last view, which is erased.
    const [, up] = await t.waitFor(/\x1b\[(\d+)F\x1b\[J(?:[^\x1b]*\x1b\[\d+F\x1b\[J){2}/);
    assert.ok(Number(up) >= 15, `moves up over the whole view (${up} lines)`);
    const views = t.screen.split(/\x1b\[\d+F\x1b\[J/);
    const last = (views.at(-2) ?? "").replaceAll("\r\n", "\n");
    assert.match(last, /^Requests +Total +Per second$/m);
    assert.match(last, /^ {2}Success 2xx +[1-9]\d* +\d+\.\d$/m);
    assert.match(last, /^Response time {4}p50 ≤ \S+ {2}p90 ≤ \S+ {2}p99 ≤ \S+ {2}mean \S+$/m);
    assert.match(last, /^System {11}up \d+s {2}\d+ of \d+ CPUs/m);
    assert.ok(t.screen.startsWith("\x1b[?25l"), "the cursor is hidden while drawing");

    t.type("\x03");
    assert.equal(await t.exit(), 0, t.screen);
    assert.ok(t.screen.includes("\x1b[?25h"), "the cursor is shown again");
  });
});
