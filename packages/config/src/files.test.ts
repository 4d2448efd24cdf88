import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError } from "./errors.js";
import { checkConfigFiles } from "./files.js";
import { loadConfig } from "./load.js";
import type { KesConfig } from "./types.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** The file, line and key of the ConfigError `check` throws, and its reason. */
async function failure(check: Promise<void>): Promise<string> {
  try {
    await check;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.message, `${err.file}:${err.line}: ${err.path}: ${err.reason}`);
    return err.message;
  }
  assert.fail("the check passed");
}

describe("checkConfigFiles", () => {
  let dir: string;
  let config: (yaml: string) => Promise<KesConfig>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kes-config-files-"));
    for (const name of ["server.key", "server.cert", "ca.crt", "internal.crt", "internal.key"]) {
      writeFileSync(join(dir, name), PEM);
    }
    mkdirSync(join(dir, "cas"));
    writeFileSync(join(dir, "text.crt"), "not a certificate\n");
    config = async (yaml) => {
      const file = join(dir, "kes.yml");
      writeFileSync(file, `admin:\n  identity: disabled\n${yaml}`);
      return loadConfig(file, { env: {} });
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const tls = (cert: string, ca = "ca.crt") =>
    `tls:\n  key: server.key\n  cert: ${cert}\n  ca: ${ca}\n`;
  const services = (ca: string) =>
    `services:\n  tls:\n    ca: ${ca}\n    cert: internal.crt\n    key: internal.key\n`;

  it("passes readable PEM files, and a directory for tls.ca", async () => {
    await checkConfigFiles(await config(tls("server.cert")), ["tls."]);
    await checkConfigFiles(await config(tls("server.cert", "cas")), ["tls."]);
    await checkConfigFiles(await config(tls("server.cert") + services("ca.crt")), [
      "tls.",
      "services.tls.",
    ]);
  });

  it("a missing file: file:line: key: the path and why", async () => {
    const file = join(dir, "kes.yml");
    assert.equal(
      await failure(checkConfigFiles(await config(tls("gone.crt")), ["tls."])),
      `${file}:5: tls.cert: cannot read the file ${join(dir, "gone.crt")}: no such file or directory`,
    );
    assert.equal(
      await failure(
        checkConfigFiles(await config(tls("server.cert") + services("nope/ca.crt")), [
          "services.tls.",
        ]),
      ),
      `${file}:9: services.tls.ca: cannot read the file ${join(dir, "nope/ca.crt")}: no such file or directory`,
    );
    const grpc = "keystore:\n  grpc:\n    endpoint: localhost:7374\n    tls:\n      ca: gone.pem\n";
    assert.equal(
      await failure(
        checkConfigFiles(await config(tls("server.cert") + grpc), ["keystore.grpc.tls."]),
      ),
      `${file}:11: keystore.grpc.tls.ca: cannot read the file ${join(dir, "gone.pem")}: no such file or directory`,
    );
  });

  it("a directory where a file belongs, a file that is not PEM, an unreadable file", async () => {
    const file = join(dir, "kes.yml");
    assert.equal(
      await failure(checkConfigFiles(await config(tls("cas")), ["tls."])),
      `${file}:5: tls.cert: ${join(dir, "cas")} is a directory, not a file`,
    );
    assert.equal(
      await failure(
        checkConfigFiles(await config(tls("server.cert") + services("cas")), ["services."]),
      ),
      `${file}:9: services.tls.ca: ${join(dir, "cas")} is a directory, not a file`,
    );
    assert.equal(
      await failure(checkConfigFiles(await config(tls("text.crt")), ["tls."])),
      `${file}:5: tls.cert: ${join(dir, "text.crt")} is not a PEM file (no -----BEGIN line)`,
    );
    if (process.getuid?.() !== 0) {
      chmodSync(join(dir, "server.key"), 0o000);
      try {
        assert.equal(
          await failure(checkConfigFiles(await config(tls("server.cert")), ["tls."])),
          `${file}:4: tls.key: cannot read the file ${join(dir, "server.key")}: permission denied`,
        );
      } finally {
        chmodSync(join(dir, "server.key"), 0o644);
      }
    }
  });

  it("checks only the settings under the prefixes, and nothing of a config built in code", async () => {
    const loaded = await config(tls("gone.crt") + services("gone.crt"));
    await checkConfigFiles(loaded, ["keystore."]);
    await assert.rejects(checkConfigFiles(loaded, ["services.tls."]), /services\.tls\.ca:/);
    const { source: _, ...inCode } = loaded;
    await checkConfigFiles(inCode, ["tls.", "services.tls."]);
  });
});
