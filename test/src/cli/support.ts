/**
 * For the operator-command end-to-end tests: a real `kes server` with a config (an admin, two
 * policies with one identity each, API keys for all three), and `kes` run in a pseudo-terminal
 * through util-linux `script`, as a person at a terminal would run it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKesClient, type KesClient } from "@kes/client";
import { createSelfSignedCertificate, generateApiKey } from "@kes/identity";
import { KES_BIN, type KesProcess, spawnKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";

export interface Caller {
  readonly apiKey: string;
  readonly identity: string;
}

export interface ConfigServer {
  readonly endpoint: string;
  readonly dir: string;
  readonly process: KesProcess;
  readonly admin: Caller;
  /** In policy `my-app` (the guide's policy). */
  readonly app: Caller;
  /** In policy `ops`: status, metrics and the logs only. */
  readonly ops: Caller;
  /** KES_SERVER and KES_API_KEY for one of the callers. */
  env(caller: Caller): Record<string, string>;
  /**
   * An in-process client for a caller: the test's own requests (set-up, traffic for the log
   * and metric followers) without the start-up time of a `kes` process each. Closed by stop().
   */
  client(caller: Caller): KesClient;
  stop(): Promise<void>;
}

const APP_ALLOW = ["/v1/key/create/my-app*", "/v1/key/generate/my-app*", "/v1/key/decrypt/my-app*"];
const OPS_ALLOW = ["/v1/status", "/v1/metrics", "/v1/log/audit", "/v1/log/error", "/v1/api"];

function config(admin: Caller, app: Caller, ops: Caller): string {
  const list = (items: readonly string[]) => items.map((i) => `      - ${i}`).join("\n");
  return `address: 127.0.0.1:0
admin:
  identity: ${admin.identity}
tls:
  key: server.key
  cert: server.cert
policy:
  my-app:
    allow:
${list(APP_ALLOW)}
    identities:
      - ${app.identity}
  ops:
    allow:
${list(OPS_ALLOW)}
    deny:
      - /v1/key/*/*
    identities:
      - ${ops.identity}
keystore:
  fs:
    path: keys
`;
}

/** Starts `kes server --config` (port 0, --auth off for API keys) and waits until it answers. */
export async function startConfigServer(): Promise<ConfigServer> {
  const dir = await mkdtemp(join(tmpdir(), "kes-cli-e2e-"));
  const cert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    dns: ["localhost"],
    usage: "server",
  });
  await writeFile(join(dir, "server.cert"), cert.certPem);
  await writeFile(join(dir, "server.key"), cert.keyPem, { mode: 0o600 });
  const [admin, app, ops] = [generateApiKey(), generateApiKey(), generateApiKey()] as const;
  await writeFile(join(dir, "config.yml"), config(admin, app, ops));
  const server = spawnKes(["server", "--config", "config.yml", "--auth", "off"], { cwd: dir });
  const [, endpoint = ""] = await server.waitForOutput(
    /^Endpoints\s+(https:\/\/127\.0\.0\.1:\d+)/m,
  );
  await waitUntilAnswers(endpoint, { apiKey: admin.apiKey });
  const clients: KesClient[] = [];
  return {
    endpoint,
    dir,
    process: server,
    admin,
    app,
    ops,
    env: (caller) => ({ KES_SERVER: endpoint, KES_API_KEY: caller.apiKey }),
    client(caller) {
      const client = createKesClient({
        endpoint,
        apiKey: caller.apiKey,
        insecure: true,
        timeoutMs: 10_000,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await server.stop("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Whether util-linux `script` (a pseudo-terminal for a command) is on this machine. */
export function hasScript(): boolean {
  return (
    spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux") === true
  );
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** `kes` in a pseudo-terminal: what it drew so far, keys to type, its exit. */
export class TerminalKes {
  private out = "";
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      this.out += s;
    });
    child.stderr?.setEncoding("utf8").on("data", (s: string) => {
      this.out += s;
    });
    this.exited = once(child, "close").then(([code]) => code as number | null);
  }

  /** Everything written to the terminal, line ends as the terminal sent them (\r\n). */
  get screen(): string {
    return this.out;
  }

  /** Types on the keyboard, e.g. "\x03" for Ctrl-C (the terminal turns it into SIGINT). */
  type(keys: string): void {
    this.child.stdin?.write(keys);
  }

  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.out.match(pattern);
      if (m !== null) return m;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the terminal did not show ${pattern}:\n${JSON.stringify(this.out)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the exit; kills the terminal (and so kes) at the timeout. */
  async exit(timeoutMs = 20_000): Promise<number | null> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode !== null || this.child.pid === undefined) return;
    // The terminal's whole process group: `script` and the kes it runs.
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

const terminals = new Set<TerminalKes>();

/** Runs `kes <args>` in a pseudo-terminal of 120 columns; `-e` passes its exit code through. */
export function kesInTerminal(args: readonly string[], env: Record<string, string>): TerminalKes {
  const command = ["stty cols 120 rows 40 2>/dev/null;", "exec", KES_BIN, ...args]
    .map((part, i) => (i < 2 ? part : shellQuote(part)))
    .join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { ...cleanEnv(), ...env, TERM: "xterm" },
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const terminal = new TerminalKes(child);
  terminals.add(terminal);
  return terminal;
}

/** Kills every terminal still running; for `after` hooks. */
export async function killTerminals(): Promise<void> {
  for (const t of terminals) {
    t.kill();
    await t.exited.catch(() => null);
  }
  terminals.clear();
}

/** This environment without a developer's own KES settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["KES_SERVER", "KES_API_KEY", "KES_CLIENT_CERT", "KES_CLIENT_KEY"]) {
    delete env[name];
  }
  return env;
}

/** Polls `check` until it returns a value (not undefined), or fails at the timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
