import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fakeIo } from "../testing/fake-io.js";
import {
  type FakeKes,
  json,
  kes,
  kesFails,
  ndjsonReply,
  startFakeKes,
} from "../testing/kes-harness.js";
import * as identity from "./identity.js";
import * as ls from "./ls.js";
import * as policy from "./policy.js";

const ADMIN = "252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239";
const APP = "e55948f79a66d9f395bec837e1dd579e491e1e44124d64896e2f8c8251788492";
const OPS = "0426fa9a04bc2756b92fbe8a97e1a1e07b53ecf04ed33da22c33e5c9faeb8cbb";
const AT = "2026-12-03T15:38:29.118732797Z";
const ALLOW = ["/v1/key/create/my-app*", "/v1/key/generate/my-app*", "/v1/key/decrypt/my-app*"];

/** The 2023 transcripts' policy and identity answers, plus a second policy and identity. */
function fakeKes(path: string) {
  const [, , api, op, arg = ""] = path.split("/");
  const name = decodeURIComponent(arg);
  if (api === "policy" && op === "describe" && name === "my-app") {
    return json({ created_at: AT, created_by: ADMIN });
  }
  if (api === "policy" && op === "read" && name === "my-app") {
    return json({ allow: ALLOW, created_at: AT, created_by: ADMIN });
  }
  if (api === "policy" && op === "read" && name === "ops") {
    return json({ allow: ["/v1/status"], deny: ["/v1/key/*/*"], created_at: AT });
  }
  if (api === "policy" && op === "list") {
    return ndjsonReply([
      { name: "ops", created_at: AT },
      { name: "my-app", created_at: AT, created_by: ADMIN },
    ]);
  }
  if (api === "policy") return json({ message: "policy does not exist" }, 404);
  if (api === "identity" && op === "describe" && name === APP) {
    return json({ policy: "my-app", created_at: AT, created_by: ADMIN });
  }
  if (api === "identity" && op === "describe" && name === ADMIN) {
    return json({ admin: true, policy: "", created_at: AT });
  }
  if (api === "identity" && op === "self") {
    return json({
      identity: APP,
      policy_name: "my-app",
      created_at: AT,
      created_by: ADMIN,
      policy: { allow: ALLOW, created_at: AT, created_by: ADMIN },
    });
  }
  if (api === "identity" && op === "list") {
    return ndjsonReply([
      { identity: OPS, admin: false, policy: "ops", created_at: AT, created_by: ADMIN },
      { identity: APP, admin: false, policy: "my-app", created_at: AT, created_by: ADMIN },
    ]);
  }
  if (api === "identity") return json({ message: "identity does not exist" }, 404);
  if (api === "key" && op === "list") {
    return ndjsonReply([{ name: "key-c" }, { name: "key-a" }, { name: "my-app-key" }]);
  }
  return json({ message: "not implemented" }, 501);
}

let fake: FakeKes;
let self: FakeKes;

before(async () => {
  fake = await startFakeKes((req) => fakeKes(req.path));
  // An admin calling self describe: the transcript's empty policy.
  self = await startFakeKes(() =>
    json({
      identity: ADMIN,
      admin: true,
      created_at: AT,
      policy: { created_at: "0001-01-01T00:00:00Z" },
    }),
  );
});

after(async () => {
  await Promise.all([fake.close(), self.close()]);
});

const REGISTERS = [policy.register, identity.register, ls.register];
const run = (args: string[], tty: boolean, server = fake) =>
  kes(REGISTERS, [...args, "-k"], fakeIo(server.env(), { tty }));

describe("kes policy", () => {
  it("info: a table, or KES's describe JSON with the name", async () => {
    const table = await run(["policy", "info", "my-app"], true);
    assert.equal(
      table.out(),
      `Name        my-app\nDate        2026-12-03 15:38:29\nOwner       ${ADMIN}\n`,
    );
    const piped = await run(["policy", "info", "my-app"], false);
    assert.deepEqual(JSON.parse(piped.out()), {
      name: "my-app",
      created_at: AT,
      created_by: ADMIN,
    });
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/policy/describe/my-app");
  });

  it("show: the allow and deny rules, one per line", async () => {
    const table = await run(["policy", "show", "ops"], true);
    assert.equal(
      table.out(),
      [
        "Name        ops",
        "Allow       /v1/status",
        "Deny        /v1/key/*/*",
        "Date        2026-12-03 15:38:29",
        "",
      ].join("\n"),
    );
    const many = await run(["policy", "show", "my-app"], true);
    assert.match(
      many.out(),
      /^Allow {7}\/v1\/key\/create\/my-app\*\n {12}\/v1\/key\/generate\/my-app\*\n {12}\/v1\/key\/decrypt\/my-app\*\nDeny {8}-\n/m,
    );
    const piped = await run(["policy", "show", "my-app", "--json"], true);
    assert.deepEqual(JSON.parse(piped.out()), {
      name: "my-app",
      allow: ALLOW,
      deny: [],
      created_at: AT,
      created_by: ADMIN,
    });
  });

  it("ls: a sorted table, or sorted nd-json when piped", async () => {
    const table = await run(["policy", "ls"], true);
    assert.equal(
      table.out(),
      [
        "Policy  Date                 Owner",
        "my-app  2026-12-03 15:38:29  252b0cc7…",
        "ops     2026-12-03 15:38:29  -",
        "",
      ].join("\n"),
    );
    const piped = await run(["policy", "ls", "*p*"], false);
    assert.equal(
      piped.out(),
      `{"name":"my-app","created_at":"${AT}","created_by":"${ADMIN}"}\n{"name":"ops","created_at":"${AT}"}\n`,
    );
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/policy/list/*p*");
  });

  it("reports a missing policy with the server's message", async () => {
    await kesFails(
      REGISTERS,
      ["policy", "show", "nope", "-k"],
      fakeIo(fake.env()),
      "policy does not exist",
    );
  });
});

describe("kes policy and kes identity: arguments KES does not accept", () => {
  it("are refused by name before anything is sent", async () => {
    const before = fake.server.requests.length;
    const cases: [string[], RegExp][] = [
      [["policy", "info", "../my-app"], /^invalid policy name "\.\.\/my-app": name contains/],
      [["policy", "show", "my app"], /^invalid policy name "my app": name contains/],
      [["policy", "ls", "my-app/*"], /^invalid policy pattern "my-app\/\*": pattern contains/],
      [["identity", "info", `${APP}/..`], /^invalid identity "[0-9a-f]{64}\/\.\.": name contains/],
      [["identity", "ls", "?"], /^invalid identity pattern "\?": pattern contains/],
    ];
    for (const [args, message] of cases) {
      await kesFails(REGISTERS, [...args, "-k"], fakeIo(fake.env()), message);
    }
    assert.equal(fake.server.requests.length, before, "nothing was sent");
  });
});

describe("kes identity info|ls", () => {
  it("info <identity>: its policy, or that it is the admin", async () => {
    const app = await run(["identity", "info", APP], true);
    assert.equal(
      app.out(),
      `Identity    ${APP}\nPolicy      my-app\nDate        2026-12-03 15:38:29\nOwner       ${ADMIN}\n`,
    );
    const admin = await run(["identity", "info", ADMIN], true);
    assert.equal(
      admin.out(),
      `Identity    ${ADMIN}\nRole        admin\nDate        2026-12-03 15:38:29\n`,
    );
    const piped = await run(["identity", "info", APP], false);
    assert.deepEqual(JSON.parse(piped.out()), {
      identity: APP,
      policy: "my-app",
      created_at: AT,
      created_by: ADMIN,
    });
    await kesFails(
      REGISTERS,
      ["identity", "info", OPS.replace("0", "f"), "-k"],
      fakeIo(fake.env()),
      "identity does not exist",
    );
  });

  it("info without an argument describes the caller, with its policy's rules", async () => {
    const tty = await run(["identity", "info"], true);
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/identity/self/describe");
    assert.equal(
      tty.out(),
      [
        `Identity    ${APP}`,
        "Policy      my-app",
        "Date        2026-12-03 15:38:29",
        `Owner       ${ADMIN}`,
        "Allow       /v1/key/create/my-app*",
        "            /v1/key/generate/my-app*",
        "            /v1/key/decrypt/my-app*",
        "Deny        -",
        "",
      ].join("\n"),
    );
    const piped = await run(["identity", "info"], false);
    assert.deepEqual(JSON.parse(piped.out()), {
      identity: APP,
      policy_name: "my-app",
      created_at: AT,
      created_by: ADMIN,
      policy: { allow: ALLOW, created_at: AT, created_by: ADMIN },
    });
    const admin = await run(["identity", "info"], true, self);
    assert.equal(
      admin.out(),
      `Identity    ${ADMIN}\nRole        admin (every API, no policy)\nDate        2026-12-03 15:38:29\n`,
    );
    const adminJson = await run(["identity", "info"], false, self);
    assert.deepEqual(JSON.parse(adminJson.out()), {
      identity: ADMIN,
      admin: true,
      created_at: AT,
      policy: { created_at: "0001-01-01T00:00:00Z" },
    });
  });

  it("ls: sorted by identity, a table or nd-json", async () => {
    const table = await run(["identity", "ls"], true);
    assert.equal(
      table.out(),
      [
        `Identity${" ".repeat(58)}Policy  Date`,
        `${OPS}  ops     2026-12-03 15:38:29`,
        `${APP}  my-app  2026-12-03 15:38:29`,
        "",
      ].join("\n"),
    );
    const piped = await run(["identity", "ls", "e5*"], false);
    assert.deepEqual(
      piped
        .out()
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).identity),
      [OPS, APP],
    );
    assert.deepEqual(JSON.parse(piped.out().split("\n")[1] ?? ""), {
      identity: APP,
      admin: false,
      policy: "my-app",
      created_at: AT,
      created_by: ADMIN,
    });
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/identity/list/e5*");
  });
});

describe("kes ls", () => {
  it("lists keys sorted: a table on a terminal, nd-json when piped or with --json", async () => {
    const table = await run(["ls"], true);
    assert.equal(table.out(), "Key\nkey-a\nkey-c\nmy-app-key\n");
    const piped = await run(["ls", "key-*"], false);
    assert.equal(piped.out(), '{"name":"key-a"}\n{"name":"key-c"}\n{"name":"my-app-key"}\n');
    assert.equal(fake.server.requests.at(-1)?.path, "/v1/key/list/key-*");
    const forced = await run(["ls", "--json"], true);
    assert.equal(forced.out(), piped.out());
  });
});
