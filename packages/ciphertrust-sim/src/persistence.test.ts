import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isKesError } from "@kes/core";
import { startSimulator } from "./index.js";
import { guideSetup, jwtFor, kesCreate, kesGet, kesList } from "./testing/setup.js";

describe("state persistence", () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ciphertrust-sim-state-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("secrets, users, policies, refresh tokens and live JWTs survive a restart", async () => {
    const stateFile = join(dir, "sub", "state.json");
    const first = await startSimulator({ stateFile });
    const { refreshToken, password } = await guideSetup(first);
    const jwt = await jwtFor(first, refreshToken);
    assert.equal((await kesCreate(first, jwt, "durable", "material-1")).status, 201);
    await first.close();

    const text = await readFile(stateFile, "utf8");
    assert.equal(JSON.parse(text).version, 1);
    assert.ok(!text.includes(password), "passwords are stored hashed");
    assert.equal((await stat(stateFile)).mode & 0o777, 0o600);

    const second = await startSimulator({ stateFile });
    try {
      assert.equal((await kesGet(second, jwt, "durable")).json.material, "material-1", "old JWT");
      const fresh = await jwtFor(second, refreshToken);
      assert.deepEqual((await kesList(second, fresh)).names, ["durable"]);
      assert.ok(second.state.userByUsername("kes"));
      assert.equal(second.state.policies().length, 1);
    } finally {
      await second.close();
    }
  });

  it("a broken state file fails startup naming the file", async () => {
    const stateFile = join(dir, "broken.json");
    await writeFile(stateFile, "{ nope");
    await assert.rejects(
      startSimulator({ stateFile }),
      (err: unknown) => isKesError(err, "invalid_argument") && err.message.includes(stateFile),
    );
    await writeFile(stateFile, JSON.stringify({ version: 2 }));
    await assert.rejects(startSimulator({ stateFile }), /unsupported version/);
  });

  it("bad options are refused with the option named", async () => {
    await assert.rejects(startSimulator({ port: 70000 }), /port/);
    await assert.rejects(startSimulator({ jwtTtlSeconds: 0 }), /jwtTtlSeconds/);
    await assert.rejects(
      startSimulator({ adminUser: { username: "", password: "x" } }),
      /adminUser.username/,
    );
    await assert.rejects(startSimulator({ settings: { listMaxLimit: -1 } }), /listMaxLimit/);
  });
});
