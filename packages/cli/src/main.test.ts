import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, it } from "node:test";

const BIN = resolve(import.meta.dirname, "../bin/kes.js");

/**
 * `kes <args>` whose stdout is a pipe nobody reads any more (`kes --help | head -1` after head
 * has gone): the read end is closed before the process has started, so its first write fails.
 */
async function intoClosedPipe(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const [code] = (await once(child, "close")) as [number | null];
    return { code, stderr };
  } finally {
    clearTimeout(timer);
  }
}

describe("output into a closed pipe", () => {
  it("kes --help and kes key --help exit 0 without a stack trace", async () => {
    for (const args of [["--help"], ["key", "--help"]]) {
      const { code, stderr } = await intoClosedPipe(args);
      assert.equal(stderr, "", `kes ${args.join(" ")}: nothing on stderr`);
      assert.equal(code, 0, `kes ${args.join(" ")}: status 0`);
    }
  });

  it("a failing command keeps its own status and message", async () => {
    const { code, stderr } = await intoClosedPipe(["key", "no-such-command"]);
    assert.equal(code, 1);
    assert.match(stderr, /unknown command 'no-such-command'/);
    assert.doesNotMatch(stderr, /EPIPE/);
  });
});

describe("kes --version", () => {
  it("prints the package's version and exits 0 (kes -v too)", async () => {
    const { version } = JSON.parse(
      await readFile(resolve(import.meta.dirname, "../package.json"), "utf8"),
    ) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const child = spawn(process.execPath, [BIN, flag], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const [code] = (await once(child, "close")) as [number | null];
      clearTimeout(timer);
      assert.equal(code, 0, flag);
      assert.equal(stdout, `kes version ${version}\n`, flag);
    }
  });
});

describe("warnings", () => {
  it("drops Node's IP-as-TLS-server-name warning (DEP0123) and keeps every other", async () => {
    const main = resolve(import.meta.dirname, "main.js");
    const script = `
      const { dropIpServernameWarning } = await import(${JSON.stringify(main)});
      dropIpServernameWarning();
      const { connect } = await import("node:tls");
      connect({ host: "127.0.0.1", port: 1, servername: "127.0.0.1" }).on("error", () => {});
      process.emitWarning("still shown", "DeprecationWarning", "DEP9999");`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    await once(child, "close");
    assert.doesNotMatch(stderr, /DEP0123/);
    assert.match(stderr, /\[DEP9999\] DeprecationWarning: still shown/);
  });
});
