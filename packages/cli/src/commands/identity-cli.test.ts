import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { identityOfCertificate } from "@kes/identity";

const KES = resolve(import.meta.dirname, "..", "..", "bin", "kes.js");
const exec = promisify(execFile);

/** Runs the real `kes` binary, as a user's shell would, with stdout piped. */
async function kes(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [KES, ...args], {
      cwd,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("the user guide's identity commands, as separate processes", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-cli-guide-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("new --server, new --key=app.key --cert=app.cert app, $(of app.cert)", async () => {
    const server = await kes(
      dir,
      "tool",
      "identity",
      "new",
      "--server",
      "--key",
      "server.key",
      "--cert",
      "server.cert",
      "--ip",
      "127.0.0.1",
      "--dns",
      "localhost",
    );
    assert.equal(server.code, 0, server.stderr);
    const app = await kes(
      dir,
      "tool",
      "identity",
      "new",
      "--key=app.key",
      "--cert=app.cert",
      "app",
    );
    assert.equal(app.code, 0, app.stderr);
    const of = await kes(dir, "tool", "identity", "of", "app.cert");
    assert.equal(of.code, 0, of.stderr);
    const identity = identityOfCertificate(await readFile(join(dir, "app.cert")));
    // What `export APP_IDENTITY=$(kes tool identity of app.cert)` captures: the bare hex.
    assert.equal(of.stdout, `${identity}\n`);
    assert.equal(app.stdout, `${identity}\n`);
    assert.equal(of.stderr, "");
    assert.deepEqual((await readdir(dir)).sort(), [
      "app.cert",
      "app.key",
      "server.cert",
      "server.key",
    ]);
  });

  it("refusing to overwrite exits 1 with the message on stderr", async () => {
    const again = await kes(
      dir,
      "tool",
      "identity",
      "new",
      "--key=app.key",
      "--cert=app.cert",
      "app",
    );
    assert.equal(again.code, 1);
    assert.equal(again.stdout, "");
    assert.equal(
      again.stderr,
      "Error: refusing to overwrite 'app.key': the file already exists (use --force to replace it)\n",
    );
  });

  it("tool identity new without --key/--cert writes ./private.key and ./public.crt", async () => {
    const sub = await mkdtemp(join(dir, "legacy-"));
    const result = await kes(sub, "tool", "identity", "new");
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await readdir(sub)).sort(), ["private.key", "public.crt"]);
    assert.equal(
      result.stdout,
      `${identityOfCertificate(await readFile(join(sub, "public.crt")))}\n`,
    );
  });
});
