import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Stack, type StackResponse, startStack } from "../support/stack.js";
import { loadTranscript, type Step, transcriptsDir, tryJson, ValueMap } from "./transcript.js";

/**
 * What 2024 clients send, replayed: the REQUESTS of the KES 2024 recordings (kms-go era) against
 * our 2023-style server, plus the 2024 spellings the recordings do not contain (PUT, `{key,
 * cipher}` imports, HMAC, `/v1/key/list/` and bare prefixes). We answer like KES 2023 (the
 * primary target); each answer is checked for what a 2024 client needs of it: the status it
 * treats as success or failure, error bodies it can read, lists it can parse (kes-api.md §10).
 */

const dir = transcriptsDir();

/**
 * Our status for each recorded step, where the 2024 server answered differently. The 2024
 * server refused the 2023 import body (no `cipher`: 406), so every later key-c step failed
 * there with 404; we accept that body, so key-c exists here.
 */
const OURS_DIFFER: Readonly<Record<string, number>> = {
  "kes-2024-app.json#self": 200, // 2024 server bug: 404 for every non-admin (kes-api.md §2.6)
  "kes-2024-app.json#create_wrong_method": 405,
  "kes-2024-app.json#unknown_api": 501, // 2023: 501 not implemented; 2024: 404
  "kes-2024-admin.json#import_c": 200,
  "kes-2024-admin.json#import_c_again": 400, // key already exists
  "kes-2024-admin.json#import_badsize": 400, // invalid key size
  "kes-2024-admin.json#describe_c": 200,
  "kes-2024-admin.json#enc_c": 200,
  "kes-2024-admin.json#dec_c": 400, // the recording sends "undefined" (its enc_c failed)
  "kes-2024-admin.json#enc_empty": 200,
  "kes-2024-admin.json#gen_c": 200,
  "kes-2024-admin.json#bulk_dec": 400, // ours still serves bulk decrypt; the body is "undefined"
  "kes-2024-admin.json#hmac": 409, // key-c has no HMAC key, as every 2023-style key
  "kes-2024-admin.json#delete_b_again": 200, // 2023: deleting a missing key is fine
};

/** How kms-go reads a list answer: nd-json lines only with exactly this content type. */
function kmsGoListNames(res: StackResponse): string[] {
  if (res.contentType === "application/x-ndjson") {
    return res.body
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const line = JSON.parse(l) as { name?: string; identity?: string; error?: string };
        assert.equal(line.error, undefined, "no error line");
        return (line.name ?? line.identity) as string;
      })
      .sort();
  }
  const body = JSON.parse(res.body) as { names?: string[]; identities?: string[] };
  return [...(body.names ?? body.identities ?? [])].sort();
}

/** kms-go's error reading: `{"message":...}` from a JSON error body. */
function kmsGoError(res: StackResponse): string {
  assert.ok(res.contentType?.startsWith("application/json"), `JSON error body: ${res.contentType}`);
  const { message } = JSON.parse(res.body) as { message?: unknown };
  assert.equal(typeof message, "string");
  return message as string;
}

describe("KES 2024 client requests replayed", { skip: dir === undefined && "no ../shared" }, () => {
  let stack: Stack;
  // Recorded random values (ciphertexts) mapped to ours, as in the 2023 replay.
  const values = new ValueMap();

  before(async () => {
    const recorded = readFileSync(join(dir as string, "kes-2024-config.yml"), "utf8");
    const config = recorded.replace(
      /(admin:\s*\n\s*identity:\s*)[0-9a-f]{64}/,
      (_, key: string) => `${key}\${ADMIN_IDENTITY}`,
    );
    stack = await startStack({ config, clients: ["admin", "app"], auth: "off" });
  });
  after(() => stack?.close());

  const send = (as: string, method: string, path: string, body?: unknown) =>
    stack.request(as, {
      method,
      path,
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });

  for (const [file, caller] of [
    ["kes-2024-app.json", "app"],
    ["kes-2024-admin.json", "admin"],
  ] as const) {
    const steps: Step[] = dir === undefined ? [] : loadTranscript(dir, file);
    for (const step of steps) {
      it(`${file} ${step.name}: ${step.request.method} ${step.request.path}`, async () => {
        const body = step.request.body;
        const sent = typeof body === "object" && body !== null ? values.substitute(body) : body;
        const res = await send(caller, step.request.method, step.request.path, sent);
        const expected = OURS_DIFFER[`${file}#${step.name}`] ?? step.response.status;
        assert.equal(res.status, expected, `status (our body: ${res.body.slice(0, 200)})`);
        if (res.status === 200)
          values.learn(step.name, tryJson(step.response.body), tryJson(res.body));
        if (res.status >= 400) kmsGoError(res);
        checkForKmsGo(step, res);
      });
    }
  }

  function checkForKmsGo(step: Step, res: StackResponse) {
    const path = step.request.path;
    if (res.status !== 200) return;
    if (path === "/v1/status") {
      const s = JSON.parse(res.body) as Record<string, unknown>;
      // kms-go refuses "unreachable but not unavailable".
      assert.equal(s.keystore_unreachable === true, s.keystore_unavailable === true);
      assert.equal(typeof s.uptime, "number");
    }
    if (/^\/v1\/(key|policy|identity)\/list\//.test(path)) {
      const names = kmsGoListNames(res);
      const recorded = kmsGoListNames({
        ...res,
        contentType: step.response.content_type,
        body: step.response.body,
      });
      if (path.startsWith("/v1/identity/")) {
        // 2024 lists the admin too; 2023 (and we) never do.
        assert.equal(names.length, recorded.length - 1);
      } else if (path === "/v1/key/list/key-*") {
        // 2024 took `key-*` as a literal prefix and found nothing; we keep the 2023 glob.
        assert.deepEqual(names, ["key-a", "key-b", "key-c"]);
      } else {
        // key-c exists here (the 2024 server refused its import).
        assert.deepEqual(
          names.filter((n) => n !== "key-c"),
          recorded,
        );
      }
    }
  }

  describe("2024 spellings the recordings do not contain", () => {
    const KEY = Buffer.alloc(32, 7).toString("base64");

    it("PUT create and a {key, cipher} import with 2024 algorithm names", async () => {
      assert.equal((await send("admin", "PUT", "/v1/key/create/k24-created")).status, 200);
      for (const [name, cipher, algorithm] of [
        ["k24-aes", "AES256", "AES256-GCM_SHA256"],
        ["k24-chacha", "ChaCha20", "XCHACHA20-POLY1305"],
      ] as const) {
        const imported = await send("admin", "PUT", `/v1/key/import/${name}`, { key: KEY, cipher });
        assert.equal(imported.status, 200, imported.body);
        const described = JSON.parse((await send("admin", "GET", `/v1/key/describe/${name}`)).body);
        assert.equal(described.algorithm, algorithm);
      }
      const bad = await send("admin", "PUT", "/v1/key/import/k24-bad", { key: KEY, cipher: "DES" });
      assert.equal(bad.status, 400);
      assert.match(kmsGoError(bad), /unsupported algorithm 'DES'/);
    });

    it("PUT generate and decrypt round-trip; PUT hmac answers as KES 2024 for a key without an HMAC key", async () => {
      const gen = await send("admin", "PUT", "/v1/key/generate/k24-aes", "");
      assert.equal(gen.status, 200);
      const { plaintext, ciphertext } = JSON.parse(gen.body) as Record<string, string>;
      const dec = await send("admin", "PUT", "/v1/key/decrypt/k24-aes", { ciphertext });
      assert.deepEqual(JSON.parse(dec.body), { plaintext });
      const hmac = await send("admin", "PUT", "/v1/key/hmac/k24-aes", { message: "aGVsbG8=" });
      assert.equal(hmac.status, 409);
      assert.equal(kmsGoError(hmac), "key does not support HMAC");
    });

    it("lists as kms-go asks: `/v1/key/list/` for all, a bare prefix, always parseable", async () => {
      const all = await send("admin", "GET", "/v1/key/list/");
      assert.equal(all.contentType, "application/x-ndjson");
      const names = kmsGoListNames(all);
      assert.ok(names.includes("k24-aes") && names.includes("key-a"), names.join(","));
      const prefixed = kmsGoListNames(await send("admin", "GET", "/v1/key/list/k24-"));
      assert.deepEqual(prefixed, ["k24-aes", "k24-chacha", "k24-created"]);
      const none = await send("admin", "GET", "/v1/key/list/nothing-here");
      assert.equal(none.contentType, "application/x-ndjson", "set even when empty");
      assert.deepEqual(kmsGoListNames(none), []);
      const policies = kmsGoListNames(await send("admin", "GET", "/v1/policy/list/"));
      assert.deepEqual(policies, ["my-app"]);
    });
  });
});
