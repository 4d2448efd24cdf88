/**
 * The split deployment as real processes: `kes keystore`, `kes crypto` and `kes gateway` from
 * node_modules/.bin/kes, each with its own internal certificate from `kes tool certs internal`,
 * all reading one config file. Ports are fixed per stack so a killed service can come back
 * where the others expect it.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { createKesClient, type KesClient } from "@kes/client";
import { type KesProcess, type RunResult, runKes, spawnKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";

export type Role = "gateway" | "crypto" | "keystore";

/** The guide's policy and an fs keystore, plus the services block, all by ${VAR}. */
export function splitConfig(options: { admin?: string } = {}): string {
  return `address: 127.0.0.1:0
${options.admin === undefined ? "root: disabled" : `admin:\n  identity: ${options.admin}`}
tls:
  key:  server.key
  cert: server.cert
policy:
  my-app:
    allow:
    - /v1/key/create/my-app*
    - /v1/key/generate/my-app*
    - /v1/key/decrypt/my-app*
    identities:
    - \${APP_IDENTITY}
keystore:
  fs:
    path: keys
services:
  tls:
    ca:   \${KES_INTERNAL_CA}
    cert: \${KES_INTERNAL_CERT}
    key:  \${KES_INTERNAL_KEY}
  crypto:
    listen:  \${KES_CRYPTO_LISTEN}
    address: \${KES_CRYPTO_ADDRESS}
  keystore:
    listen:  \${KES_KEYSTORE_LISTEN}
`;
}

export function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}${result.stderr}`,
  );
  return result;
}

/**
 * A port that was free a moment ago, below Linux's ephemeral range (32768+): the services bind
 * fixed ports so a restarted one comes back where the others dial it, and a port from that
 * range could meanwhile be taken by any outgoing connection on the machine.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      return port;
    }
  }
  throw new Error("no free port between 20000 and 32000");
}

/** One split deployment in `dir`: its certificates, the app's identity and the services. */
export class SplitStack {
  readonly keystorePort: number;
  readonly cryptoPorts: number[];
  appIdentity = "";

  private constructor(
    readonly dir: string,
    keystorePort: number,
    cryptoPorts: number[],
  ) {
    this.keystorePort = keystorePort;
    this.cryptoPorts = cryptoPorts;
  }

  /**
   * Makes the internal certificates with `kes tool certs internal`, the gateway's server
   * certificate and the app's client certificate with `kes tool identity new`, and writes the
   * config (default: splitConfig()).
   */
  static async create(dir: string, options: { cryptos?: number; config?: string } = {}) {
    const cryptoPorts: number[] = [];
    for (let i = 0; i < (options.cryptos ?? 1); i++) cryptoPorts.push(await freePort());
    const stack = new SplitStack(dir, await freePort(), cryptoPorts);
    ok(await runKes(["tool", "certs", "internal", "--out", "certs"], { cwd: dir }), "certs");
    ok(
      await runKes(
        [
          "tool",
          "identity",
          "new",
          "--server",
          "--key",
          "server.key",
          "--cert",
          "server.cert",
        ].concat(["--ip", "127.0.0.1", "--dns", "localhost"]),
        { cwd: dir },
      ),
      "server identity",
    );
    ok(
      await runKes(["tool", "identity", "new", "--key=app.key", "--cert=app.cert", "app"], {
        cwd: dir,
      }),
      "app identity",
    );
    const of = ok(await runKes(["tool", "identity", "of", "app.cert"], { cwd: dir }), "of");
    stack.appIdentity = of.stdout.trim();
    await writeFile(join(dir, "config.yml"), options.config ?? splitConfig());
    return stack;
  }

  /** The environment every process gets: the config references all of it. */
  env(role: Role, cryptoListen = this.cryptoPorts[0] ?? 0): Record<string, string> {
    return {
      APP_IDENTITY: this.appIdentity,
      KES_INTERNAL_CA: "certs/ca.crt",
      KES_INTERNAL_CERT: `certs/${role}.crt`,
      KES_INTERNAL_KEY: `certs/${role}.key`,
      KES_CRYPTO_LISTEN: `127.0.0.1:${cryptoListen}`,
      KES_CRYPTO_ADDRESS: this.cryptoPorts.map((p) => `127.0.0.1:${p}`).join(","),
      KES_KEYSTORE_LISTEN: `127.0.0.1:${this.keystorePort}`,
    };
  }

  async startKeystore(): Promise<KesProcess> {
    const kes = spawnKes(["keystore", "--config=config.yml"], {
      cwd: this.dir,
      env: this.env("keystore"),
    });
    await kes.waitForOutput(/^Internal\s+mutual TLS/m);
    return kes;
  }

  /** The n-th crypto process (each has its own port). */
  async startCrypto(n = 0): Promise<KesProcess> {
    const kes = spawnKes(["crypto", "--config=config.yml"], {
      cwd: this.dir,
      env: this.env("crypto", this.cryptoPorts[n]),
    });
    await kes.waitForOutput(/^Internal\s+mutual TLS/m);
    return kes;
  }

  /** A gateway on a free port, once it answers; returns its https endpoint too. */
  async startGateway(): Promise<{ process: KesProcess; endpoint: string }> {
    const kes = spawnKes(["gateway", "--config=config.yml", "--auth=off", "--addr=127.0.0.1:0"], {
      cwd: this.dir,
      env: this.env("gateway"),
    });
    const [, port] = await kes.waitForOutput(/Endpoints\s+https:\/\/127\.0\.0\.1:(\d+)/);
    const endpoint = `https://127.0.0.1:${port}`;
    await waitUntilAnswers(endpoint, await this.credentials("app"));
    return { process: kes, endpoint };
  }

  async credentials(name: string): Promise<{ certPem: string; keyPem: string }> {
    return {
      certPem: await readFile(join(this.dir, `${name}.cert`), "utf8"),
      keyPem: await readFile(join(this.dir, `${name}.key`), "utf8"),
    };
  }

  /** A KES client as the app, without retries, so every answer is seen. */
  async client(endpoint: string, timeoutMs = 20_000): Promise<KesClient> {
    return createKesClient({
      endpoint,
      ...(await this.credentials("app")),
      insecure: true,
      timeoutMs,
      retry: { retries: 0 },
    });
  }

  /** `kes health <service>` with the internal certificate of `as`, as a container check would. */
  health(service: "crypto" | "keystore", as: Role = service): Promise<RunResult> {
    return runKes(["health", service, "--config=config.yml"], { cwd: this.dir, env: this.env(as) });
  }

  /** `kes <args>` as the app against `endpoint`. */
  cli(endpoint: string, args: string[]): Promise<RunResult> {
    return runKes(args, {
      cwd: this.dir,
      env: { KES_SERVER: endpoint, KES_CLIENT_CERT: "app.cert", KES_CLIENT_KEY: "app.key" },
    });
  }
}

/** The `calls` a crypto process logged when it stopped. */
export function callsServed(crypto: KesProcess): number {
  const line = crypto.stderr.split("\n").find((l) => l.includes('"msg":"stopped"'));
  const calls = line === undefined ? undefined : (JSON.parse(line) as { calls?: unknown }).calls;
  if (typeof calls !== "number") throw new Error(`no stop line with calls:\n${crypto.stderr}`);
  return calls;
}

/**
 * Waits until a process has logged a line matching `pattern` (bounded): its logger writes
 * asynchronously, so a line can arrive after the answer that caused it.
 */
export async function waitForLog(kes: KesProcess, pattern: RegExp, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(kes.stderr) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(kes.stderr, pattern);
}
