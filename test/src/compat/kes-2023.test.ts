import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Stack, startStack } from "../support/stack.js";
import { type KnownGap, loadKnownGaps } from "./known-gaps.js";
import {
  type Answer,
  assertSameAnswer,
  loadTranscript,
  repoRoot,
  type Step,
  transcriptsDir,
  tryJson,
  ValueMap,
} from "./transcript.js";

/**
 * The KES 2023 compatibility suite: the recorded app and admin sessions (in that order, against
 * one server, as recorded) replayed against the real in-process stack with the recording's
 * config (its my-app policy, --auth off, fs keystore) and our own admin and app certificates.
 * Deliberate and not-yet-built differences are listed in test/compat/known-gaps.md.
 */

const dir = transcriptsDir();
const SESSIONS: readonly [file: string, caller: string][] = [
  ["kes-2023-app.json", "app"],
  ["kes-2023-admin.json", "admin"],
];

describe("KES 2023 transcripts replayed", { skip: dir === undefined && "no ../shared" }, () => {
  const gaps = loadKnownGaps(join(repoRoot(), "test", "compat", "known-gaps.md"));
  const usedGaps = new Set<KnownGap>();
  const values = new ValueMap();
  const answers = new Map<string, Answer>();
  let stack: Stack;

  before(async () => {
    const recorded = readFileSync(join(dir as string, "kes-2023-config.yml"), "utf8");
    // Same config, with our admin in place of the recording's.
    const config = recorded.replace(
      /(admin:\s*\n\s*identity:\s*)[0-9a-f]{64}/,
      (_, key: string) => `${key}\${ADMIN_IDENTITY}`,
    );
    assert.notEqual(config, recorded, "the recorded config names an admin identity");
    stack = await startStack({ config, clients: ["admin", "app"], auth: "off" });
  });
  after(() => stack?.close());

  for (const [file, caller] of SESSIONS) {
    const steps: Step[] = dir === undefined ? [] : loadTranscript(dir, file);
    for (const step of steps) {
      const { method, path } = step.request;
      it(`${file} ${step.name}: ${method} ${path}`, async () => {
        const res = await stack.request(caller, { method, path, ...requestBody(step, values) });
        const answer: Answer = {
          status: res.status,
          content_type: res.contentType,
          body: res.body,
        };
        const ours = step.request.path === "/v1/api" ? withoutAdditions(answer) : answer;
        answers.set(`${file}#${step.name}`, ours);
        const where = `${file} ${step.name}`;
        const gap = gaps.find((g) => g.transcript === file && g.step === step.name);
        if (gap === undefined) {
          assertSameAnswer(where, ours, step.response, values);
          values.learn(step.name, tryJson(step.response.body), tryJson(res.body));
          return;
        }
        usedGaps.add(gap);
        assert.throws(
          () => assertSameAnswer(where, gap.ours, step.response, undefined),
          `${where}: known-gaps.md documents what 2023 answered: it is no gap, delete the row`,
        );
        assertSameAnswer(`${where} (known gap)`, ours, gap.ours, undefined);
      });
    }
  }

  it("every row of known-gaps.md names a replayed step", () => {
    const unused = gaps.filter((g) => !usedGaps.has(g)).map((g) => `${g.transcript} ${g.step}`);
    assert.deepEqual(unused, []);
  });

  it("an imported key's id is KES's: the first 16 bytes of SHA-256 of its bytes, as recorded", () => {
    const recorded = loadTranscript(dir as string, "kes-2023-admin.json").find(
      (s) => s.name === "describe_c",
    );
    const ours = answers.get("kes-2023-admin.json#describe_c");
    assert.ok(recorded !== undefined && ours !== undefined);
    const id = (a: Answer) => (JSON.parse(a.body) as { id: string }).id;
    assert.equal(id(ours), id(recorded.response));
  });

  it("the keys the sessions created are in the fs keystore directory, as KES lays it out", () => {
    const list = answers.get("kes-2023-admin.json#list_after_delete");
    assert.ok(list !== undefined);
    const names = list.body
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (JSON.parse(l) as { name: string }).name)
      .sort();
    assert.deepEqual(names, ["key-a", "key-c", "my-app-key"]);
    for (const name of names) {
      const stored = JSON.parse(readFileSync(join(stack.dir, "keys", name), "utf8"));
      assert.equal(typeof stored.bytes, "string", `${name}: stored as KES 2023 JSON`);
    }
  });
});

/**
 * APIs we serve beyond KES 2023, each with the /v1/api row it must have. They are checked
 * here and left out of the comparison with the 2023 recording (see known-gaps.md).
 */
const ADDED_APIS: readonly Record<string, unknown>[] = [
  { method: "PUT", path: "/v1/key/hmac/", max_body: 1_048_576, timeout: 15, verify_auth: true },
];

function withoutAdditions(answer: Answer): Answer {
  if (answer.status !== 200) return answer;
  const rows = JSON.parse(answer.body) as Record<string, unknown>[];
  for (const added of ADDED_APIS) {
    assert.deepEqual(
      rows.filter((r) => r.path === added.path),
      [added],
      "/v1/api: an added API",
    );
  }
  const kept = rows.filter((r) => !ADDED_APIS.some((a) => a.path === r.path));
  return { ...answer, body: `${JSON.stringify(kept)}\n` };
}

/** The request body: a JSON value (with our earlier answers substituted) or raw text. */
function requestBody(step: Step, values: ValueMap): { body?: string } {
  const body = step.request.body;
  if (body === undefined) return {};
  if (typeof body === "string") return { body };
  values.learnSent(body);
  return { body: JSON.stringify(values.substitute(body)) };
}
