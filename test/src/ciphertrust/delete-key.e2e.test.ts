/**
 * The guide's note: "If you want to prevent KES from e.g. deleting master keys omit the
 * DeleteKey action". CipherTrust Manager then answers a delete with 404, which KES (and we)
 * cannot tell from "already gone": `kes key rm` succeeds while the key stays.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunResult, runKes } from "../support/kes-bin.js";
import { type Stack, startStack } from "../support/stack.js";
import { type Cm, startCm } from "./support.js";

function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
  );
  return result;
}

describe("kes key rm with a CipherTrust policy without DeleteKey", () => {
  let cm: Cm;
  let stack: Stack;

  before(async () => {
    cm = await startCm({ actions: ["CreateKey", "ExportKey", "ReadKey"] });
    stack = await startStack({
      config: `
address: 127.0.0.1:0
admin:
  identity: \${ADMIN_IDENTITY}
tls:
  key: ./server.key
  cert: ./server.cert
keystore:
  gemalto:
    keysecure:
      endpoint: ${cm.sim.url}
      credentials:
        token: ${cm.refreshToken}
      tls:
        ca: ${cm.sim.caFile}
`,
    });
    const admin = stack.certs.clients.admin;
    assert.ok(admin !== undefined);
    await writeFile(join(stack.dir, "admin.cert"), admin.certPem);
    await writeFile(join(stack.dir, "admin.key"), admin.keyPem, { mode: 0o600 });
  });
  after(async () => {
    await stack?.close();
    await cm?.close();
  });

  const kes = (...args: string[]) =>
    runKes(args, {
      cwd: stack.dir,
      env: { KES_SERVER: stack.url, KES_CLIENT_CERT: "admin.cert", KES_CLIENT_KEY: "admin.key" },
    });
  const inCm = (name: string) => cm.sim.state.secrets().some((s) => s.name === name);

  it("reports success, and the key stays in CipherTrust Manager and in KES", async () => {
    ok(await kes("key", "create", "-k", "protected"), "create");
    const rm = ok(await kes("key", "rm", "-k", "protected"), "kes key rm");
    assert.equal(rm.stderr, "");
    const deletes = cm.sim.log.entries({ method: "DELETE" });
    assert.deepEqual(
      deletes.map((e) => [e.path, e.status]),
      [["/api/v1/vault/secrets/protected", 404]],
      "CM hid the secret from a delete it does not allow",
    );
    assert.ok(inCm("protected"), "the key is still in CipherTrust Manager");
    const ls = ok(await kes("key", "ls", "-k", "--json"), "kes key ls");
    assert.match(ls.stdout, /"protected"/);
    const again = await kes("key", "create", "-k", "protected");
    assert.equal(again.stderr, "Error: key already exists\n");
    ok(await kes("key", "encrypt", "-k", "protected", "still usable"), "encrypt with it");
  });

  it("with DeleteKey added to the policy, kes key rm removes the key", async () => {
    cm.sim.state.updatePolicy("kes-policy", {
      actions: ["CreateKey", "ExportKey", "ReadKey", "DeleteKey"],
    });
    ok(await kes("key", "rm", "-k", "protected"), "kes key rm");
    assert.ok(!inCm("protected"), "the key is gone");
  });
});
