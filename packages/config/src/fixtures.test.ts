import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "./load.js";

const FIXTURES = resolve(import.meta.dirname, "..", "test-fixtures");
const SHARED = resolve(import.meta.dirname, "..", "..", "..", "..", "shared");
const APP = "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22";
const env = { APP_IDENTITY: APP };

describe("the configs of the user guide and the transcripts parse as is", () => {
  it("the guide's server-config.yml (root: disabled, gemalto block with empty strings)", async () => {
    const file = join(FIXTURES, "guide-server-config.yml");
    const config = await loadConfig(file, { env });
    assert.equal(config.file, file);
    assert.equal(config.address, "0.0.0.0:7373");
    assert.equal(config.admin, null);
    assert.deepEqual(config.tls, {
      key: join(FIXTURES, "server.key"),
      cert: join(FIXTURES, "server.cert"),
    });
    assert.deepEqual(config.policies, {
      "my-app": {
        allow: ["/v1/key/create/my-app*", "/v1/key/generate/my-app*", "/v1/key/decrypt/my-app*"],
        deny: [],
        identities: [APP],
      },
    });
    assert.deepEqual(config.keystore, {
      kind: "gemalto.keysecure",
      endpoint: "",
      token: "",
      domain: "",
      retryMs: 15_000,
    });
    assert.deepEqual(config.cache, { expiry: { any: 300_000, unused: 30_000, offline: 0 } });
    assert.deepEqual(config.log, { error: true, audit: false });
    assert.deepEqual(config.warnings, []);
  });

  for (const [name, admin, port] of [
    [
      "kes-2023-config.yml",
      "252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239",
      7381,
    ],
    [
      "kes-2024-config.yml",
      "620f9eeb21c2293e69d8301e76d78436d2f1bdbf41c3d39ab8224335d20a511a",
      7382,
    ],
  ] as const) {
    it(`the transcripts' ${name} (admin, tls.auth off, fs keystore)`, async () => {
      const file = join(FIXTURES, name);
      const config = await loadConfig(file, { env });
      assert.equal(config.address, `127.0.0.1:${port}`);
      assert.equal(config.admin, admin);
      assert.equal(config.tls.auth, "off");
      assert.deepEqual(config.keystore, { kind: "fs", path: join(FIXTURES, "keys") });
      assert.deepEqual(config.policies["my-app"]?.identities, [APP]);
      assert.deepEqual(config.warnings, []);
    });
  }

  it("the fixtures are verbatim copies of ../shared (when it is there)", (t) => {
    const originals: Record<string, string> = {
      "kes-2023-config.yml": join(SHARED, "reference", "transcripts", "kes-2023-config.yml"),
      "kes-2024-config.yml": join(SHARED, "reference", "transcripts", "kes-2024-config.yml"),
    };
    const guide = join(SHARED, "seed", "gemalto-keysecure-guide.md");
    if (!existsSync(guide)) {
      t.skip("../shared is not beside the repository");
      return;
    }
    for (const [name, original] of Object.entries(originals)) {
      assert.equal(readFileSync(join(FIXTURES, name), "utf8"), readFileSync(original, "utf8"));
    }
    // The guide indents its YAML block by three spaces inside a list item.
    const indented = readFileSync(join(FIXTURES, "guide-server-config.yml"), "utf8")
      .split("\n")
      .map((line) => (line === "" ? "" : `   ${line}`))
      .join("\n");
    assert.ok(readFileSync(guide, "utf8").includes(indented.trimEnd()));
  });
});
