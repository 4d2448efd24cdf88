import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeTestPki, type TestPki } from "./testing/certs.js";
import { h1request, h2request, type TestResponse } from "./testing/client.js";
import { startTestGateway, type TestGateway, testConfig } from "./testing/harness.js";

/**
 * White space around an API's argument (trimmed as KES trims it, Go's strings.TrimSpace) must
 * not get a request past a policy: the path the call acts on has to be allowed as well as the
 * path as sent. Over the real server, HTTP/2 and HTTP/1.1.
 */

const PROTOCOLS = [
  ["HTTP/2", h2request],
  ["HTTP/1.1", h1request],
] as const;

/** Leading white space Go's TrimSpace removes, percent-encoded. */
const SPACES: [string, string][] = [
  ["space", "%20"],
  ["tab", "%09"],
  ["line feed", "%0A"],
  ["no-break space U+00A0", "%C2%A0"],
  ["ideographic space U+3000", "%E3%80%80"],
  ["next line U+0085", "%C2%85"],
  ["two of them", "%20%E3%80%80"],
];

// U+FEFF is not white space in Go (JS's trim() strips it): KES keeps it, and the name is invalid.
const BOM = "%EF%BB%BF";

const POLICY = {
  allow: ["/v1/key/*/*"],
  deny: ["/v1/key/delete/prod-*"],
};

for (const [protocol, send] of PROTOCOLS) {
  describe(`policy and white space around an argument over ${protocol}`, () => {
    let pki: TestPki;
    let gw: TestGateway;
    const app = (method: string, path: string): Promise<TestResponse> =>
      send(gw.port, pki.app, { method, path });
    const resetKeys = () => {
      gw.crypto.keys.clear();
      for (const name of ["prod-db", "dev-db"]) {
        gw.crypto.keys.set(name, {
          key: Buffer.alloc(32, 1),
          createdAt: "2023-01-01T00:00:00Z",
          createdBy: "test",
        });
      }
    };

    before(async () => {
      pki = await makeTestPki();
      const config = testConfig(pki, {
        policies: { ops: { ...POLICY, identities: [pki.app.identity] } },
      });
      gw = await startTestGateway(pki, { config });
    });
    after(async () => {
      await gw?.close();
      await pki?.cleanup();
    });

    it("a denied key stays denied with white space before its name", async () => {
      resetKeys();
      for (const [what, space] of SPACES) {
        const res = await app("DELETE", `/v1/key/delete/${space}prod-db`);
        assert.equal(res.status, 403, `${what}: ${res.body}`);
        assert.equal(res.body, '{"message":"not authorized: insufficient permissions"}');
        // Trailing white space: the raw path already matches the deny (`*` matches it).
        const trailing = await app("DELETE", `/v1/key/delete/prod-db${space}`);
        assert.equal(trailing.status, 403, `${what} after the name`);
      }
      assert.equal((await app("DELETE", "/v1/key/delete/prod-db")).status, 403);
      assert.ok(gw.crypto.keys.has("prod-db"), "prod-db was not deleted");
      assert.equal(gw.crypto.calls.filter((c) => c.op === "deleteKey").length, 0);
    });

    it("an allowed key is reached with white space around its name, as in KES", async () => {
      for (const [what, space] of SPACES) {
        resetKeys();
        const res = await app("DELETE", `/v1/key/delete/${space}dev-db${space}`);
        assert.equal(res.status, 200, `${what}: ${res.body}`);
        assert.ok(!gw.crypto.keys.has("dev-db"), `${what}: dev-db deleted`);
        assert.ok(gw.crypto.keys.has("prod-db"));
      }
    });

    it("U+FEFF is not trimmed (as Go): the name is invalid, denied or not", async () => {
      resetKeys();
      for (const name of ["prod-db", "dev-db"]) {
        const res = await app("DELETE", `/v1/key/delete/${BOM}${name}`);
        assert.equal(res.status, 400, name);
        assert.equal(res.body, '{"message":"invalid argument: name contains invalid character"}');
      }
      assert.ok(gw.crypto.keys.has("prod-db") && gw.crypto.keys.has("dev-db"));
    });

    it("the path as sent must be allowed too: never laxer than KES", async () => {
      resetKeys();
      // Policy `describer` allows /v1/key/describe/dev-*: " dev-db" as sent does not match it.
      await gw.gateway.reload(
        testConfig(pki, {
          policies: {
            describer: {
              allow: ["/v1/key/describe/dev-*"],
              deny: [],
              identities: [pki.app.identity],
            },
          },
        }),
      );
      try {
        assert.equal((await app("GET", "/v1/key/describe/dev-db")).status, 200);
        for (const [what, space] of SPACES) {
          const res = await app("GET", `/v1/key/describe/${space}dev-db`);
          assert.equal(res.status, 403, what);
        }
      } finally {
        await gw.gateway.reload(
          testConfig(pki, { policies: { ops: { ...POLICY, identities: [pki.app.identity] } } }),
        );
      }
    });
  });
}
