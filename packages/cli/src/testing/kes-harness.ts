/**
 * In-process runs of `kes` commands against a local HTTPS test server, for the command tests:
 * the command modules are registered on a fresh program with a fake io (and, for the
 * long-running commands, an interrupt the test controls).
 */
import assert from "node:assert/strict";
import { type Handler, startTestServer, type TestServer } from "@kes/client/testing";
import { createSelfSignedCertificate, generateApiKey } from "@kes/identity";
import { Command } from "commander";
import type { InterruptSource } from "../commands/interrupt.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { type FakeIo, fakeIo } from "./fake-io.js";

export type Register = (program: Command, io: CliIo, interrupt: InterruptSource) => void;

export interface FakeKes {
  readonly server: TestServer;
  /** KES_SERVER and a fresh KES_API_KEY for this server. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeKes(handler: Handler): Promise<FakeKes> {
  const cert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    usage: "server",
  });
  const server = await startTestServer(handler, { certPem: cert.certPem, keyPem: cert.keyPem });
  return {
    server,
    env: () => ({ KES_SERVER: server.endpoint, KES_API_KEY: generateApiKey().apiKey }),
    close: () => server.close(),
  };
}

/** A test's control over `kes log` / `kes metric`: its Ctrl-C. */
export function testInterrupt(): {
  source: InterruptSource;
  stop: () => void;
  disposed: () => boolean;
} {
  const controller = new AbortController();
  let disposed = false;
  return {
    source: () => ({
      signal: controller.signal,
      dispose: () => {
        disposed = true;
      },
    }),
    stop: () => controller.abort(new Error("interrupted by the test")),
    disposed: () => disposed,
  };
}

/** A fake io that calls `onWrite` after each write to stdout (to stop a stream mid-way). */
export function watchedIo(
  env: Record<string, string | undefined>,
  options: { tty?: boolean },
  onWrite: (out: string) => void,
): FakeIo {
  const io = fakeIo(env, options);
  return {
    ...io,
    stdout: {
      isTTY: io.stdout.isTTY,
      write: (text) => {
        io.stdout.write(text);
        onWrite(io.out());
      },
    },
  };
}

/** Runs `kes <args>` in-process with the given command modules; rejects as the CLI would fail. */
export async function kes(
  registers: readonly Register[],
  args: readonly string[],
  io: FakeIo,
  interrupt: InterruptSource = testInterrupt().source,
): Promise<FakeIo> {
  const program = new Command("kes").exitOverride().configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  for (const register of registers) register(program, io, interrupt);
  await program.parseAsync([...args], { from: "user" });
  return io;
}

export async function kesFails(
  registers: readonly Register[],
  args: readonly string[],
  io: FakeIo,
  message: RegExp | string,
): Promise<void> {
  await assert.rejects(kes(registers, args, io), (err: unknown) => {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

/** JSON replies as KES writes them. */
export function json(value: unknown, status = 200) {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: `${JSON.stringify(value)}\n`,
  };
}

export function ndjsonReply(lines: readonly unknown[]) {
  return {
    headers: { "content-type": "application/x-ndjson" },
    body: lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
  };
}
