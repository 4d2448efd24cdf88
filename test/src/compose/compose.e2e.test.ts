/**
 * docker-compose.yml is the truth: every service it declares started as local processes exactly
 * as declared (harness.ts: its command and entrypoint, environment, volumes, depends_on and
 * health checks, published ports), then the README's compose steps through the gateway with the
 * `kes` CLI: create, derive, decrypt, a 403 for anything else. Once scaled (two crypto and two
 * gateway containers), once more on the kept volumes, and once with the ciphertrust profile.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createKesClient } from "@kes/client";
import { type RunResult, runKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";
import { REPO } from "./build-context.js";
import { loadCompose } from "./compose-file.js";
import { ComposeStack, downAll } from "./harness.js";

const FILE = join(REPO, "docker-compose.yml");
const DENIED = "Error: not authorized: insufficient permissions\n";

function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}${result.stderr}`,
  );
  return result;
}

/** The client the certs one-shot made, as `docker compose cp gateway:/certs/client.*` gets it. */
async function clientOf(stack: ComposeStack) {
  const certs = stack.volume("certs");
  return {
    certFile: join(certs, "client.cert"),
    keyFile: join(certs, "client.key"),
    certPem: await readFile(join(certs, "client.cert"), "utf8"),
    keyPem: await readFile(join(certs, "client.key"), "utf8"),
  };
}

/** `kes <args>` on the host against published port `hostPort`, as the client. */
async function kes(stack: ComposeStack, hostPort: number, args: string[]): Promise<RunResult> {
  const client = await clientOf(stack);
  return runKes(args, {
    env: {
      KES_SERVER: `https://127.0.0.1:${stack.hostPort(hostPort)}`,
      KES_CLIENT_CERT: client.certFile,
      KES_CLIENT_KEY: client.keyFile,
    },
  });
}

async function waitForGateway(stack: ComposeStack, hostPort: number): Promise<void> {
  await waitUntilAnswers(`https://127.0.0.1:${stack.hostPort(hostPort)}`, await clientOf(stack));
}

/** The calls a crypto container logged when it stopped: all, and those over Session streams. */
function callsServed(output: string): { calls: number; sessionCalls: number } {
  const line = output.split("\n").find((l) => l.includes('"msg":"stopped"'));
  const summary = line === undefined ? {} : (JSON.parse(line) as Record<string, unknown>);
  const { calls, sessionCalls } = summary;
  assert.ok(
    typeof calls === "number" && typeof sessionCalls === "number",
    `no stop line with calls and sessionCalls:\n${output}`,
  );
  return { calls, sessionCalls };
}

/** The crypto addresses a gateway logged for `address` (the last resolution). */
function resolvedTargets(output: string, address: string): string[] | undefined {
  const resolved = output
    .split("\n")
    .filter((l) => l.includes('"msg":"crypto service address resolved"'))
    .map((l) => JSON.parse(l) as { address?: string; targets?: string[] })
    .filter((l) => l.address === address);
  return resolved.at(-1)?.targets;
}

/** Every container stopped by `down` exits 0 on SIGTERM (its command got the signal). */
function assertCleanExits(ends: Map<string, { code: number | null; signal: string | null }>) {
  for (const [name, end] of ends) assert.deepEqual(end, { code: 0, signal: null }, name);
}

describe("docker compose, as local processes: the guide's flow through the gateway", () => {
  let volumes: string;
  let derived: { plaintext: string; ciphertext: string };
  let clientIdentity: string;

  before(async () => {
    volumes = await mkdtemp(join(tmpdir(), "kes-compose-volumes-"));
  });
  after(async () => {
    await downAll();
    await rm(volumes, { recursive: true, force: true });
  });

  describe("up --scale crypto=2 --scale gateway=2 (KES_GATEWAY_PORTS=7373-7374)", () => {
    let stack: ComposeStack;

    before(async () => {
      const project = loadCompose(FILE, { KES_GATEWAY_PORTS: "7373-7374" });
      stack = await ComposeStack.up(project, {
        scale: { crypto: 2, gateway: 2 },
        volumesDir: volumes,
      });
      await waitForGateway(stack, 7373);
      await waitForGateway(stack, 7374);
    });

    it("the certs one-shot made the internal certificates, the gateway's TLS and a client", async () => {
      assert.equal(stack.container("certs-1").exitCode, 0);
      const certs = stack.volume("certs");
      const files = readdirSync(certs).sort();
      assert.deepEqual(files, [
        "ca.crt",
        "client.cert",
        "client.identity",
        "client.key",
        "crypto.crt",
        "crypto.key",
        "gateway.crt",
        "gateway.key",
        "keystore.crt",
        "keystore.key",
        "server.cert",
        "server.key",
      ]);
      for (const key of files.filter((f) => f.endsWith(".key"))) {
        assert.equal(statSync(join(certs, key)).mode & 0o077, 0, `${key} is private`);
      }
      clientIdentity = (await readFile(join(certs, "client.identity"), "utf8")).trim();
      const of = ok(await runKes(["tool", "identity", "of", join(certs, "client.cert")]), "of");
      assert.equal(of.stdout.trim(), clientIdentity);
    });

    it("every service runs where it should, with internal mutual TLS", () => {
      assert.match(stack.container("keystore-1").output, /^Keystore\s+fs: .*\/keys$/m);
      for (const name of ["keystore-1", "crypto-1", "crypto-2", "gateway-1", "gateway-2"]) {
        assert.match(stack.container(name).output, /^Internal\s+mutual TLS/m, name);
      }
      assert.match(stack.container("crypto-1").output, /^Keystore\s+keystore:7003$/m);
      assert.match(stack.container("gateway-1").output, /^Crypto\s+crypto:7002$/m);
      assert.match(stack.container("gateway-2").output, /^Admin\s+_\s+\[ disabled \]$/m);
    });

    it("the client creates my-app-key through one gateway; the keystore stores it in its volume", async () => {
      ok(await kes(stack, 7373, ["key", "create", "-k", "my-app-key"]), "kes key create");
      assert.ok(existsSync(join(stack.volume("keys"), "keys", "my-app-key")));
      const again = await kes(stack, 7374, ["key", "create", "-k", "my-app-key"]);
      assert.equal(again.stderr, "Error: key already exists\n");
    });

    it("derives a data key through the other gateway and decrypts it through the first", async () => {
      const dek = ok(await kes(stack, 7374, ["key", "derive", "-k", "my-app-key"]), "derive");
      derived = JSON.parse(dek.stdout) as { plaintext: string; ciphertext: string };
      assert.equal(Buffer.from(derived.plaintext, "base64").length, 32);
      const dec = ok(
        await kes(stack, 7373, ["key", "decrypt", "-k", "my-app-key", derived.ciphertext]),
        "decrypt",
      );
      assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
    });

    it("the policy refuses everything else with 403", async () => {
      for (const args of [
        ["key", "ls", "-k"],
        ["key", "create", "-k", "other-key"],
        ["key", "rm", "-k", "my-app-key"],
      ]) {
        assert.equal((await kes(stack, 7373, args)).stderr, DENIED, args.join(" "));
      }
    });

    it("each gateway resolved crypto to both containers", () => {
      const crypto = stack.containersOf("crypto").map((c) => `${c.ip}:7002`);
      assert.equal(crypto.length, 2);
      for (const name of ["gateway-1", "gateway-2"]) {
        const targets = resolvedTargets(stack.container(name).output, "crypto:7002");
        assert.deepEqual([...(targets ?? [])].sort(), [...crypto].sort(), name);
      }
    });

    it("down: every container ends cleanly on SIGTERM, and one gateway's generate and decrypt reached both crypto containers", async () => {
      // "crypto" resolves to two containers: the gateway keeps a channel, and a Session stream
      // (generate, encrypt, decrypt), per container and sends its calls to both in turn. Only
      // through 7373: with one stream per gateway, all 40 would have gone to one container.
      const client = await clientOf(stack);
      const c = createKesClient({
        endpoint: `https://127.0.0.1:${stack.hostPort(7373)}`,
        certPem: client.certPem,
        keyPem: client.keyPem,
        insecure: true,
        retry: { retries: 0 },
      });
      try {
        const keys = [];
        for (let i = 0; i < 20; i++) keys.push(await c.generate("my-app-key"));
        for (const key of keys) {
          const plaintext = await c.decrypt("my-app-key", key.ciphertext);
          assert.deepEqual(Buffer.from(plaintext), Buffer.from(key.plaintext));
        }
        // Unary calls (creating keys) go round robin over the same channels.
        for (let i = 0; i < 4; i++) await c.createKey(`my-app-spread-${i}`);
      } finally {
        await c.close();
      }
      const ends = await stack.down();
      assertCleanExits(ends);
      const served = ["crypto-1", "crypto-2"].map((n) => callsServed(stack.container(n).output));
      // Before these 40, two session calls had been made (derive, decrypt) in all.
      assert.ok(
        served.every((s) => s.sessionCalls >= 10 && s.calls > s.sessionCalls),
        `each crypto container answered session and unary calls: ${JSON.stringify(served)}`,
      );
    });
  });

  describe("up again on the same volumes (no scaling)", () => {
    let stack: ComposeStack;

    before(async () => {
      stack = await ComposeStack.up(loadCompose(FILE), { volumesDir: volumes });
      await waitForGateway(stack, 7373);
    });

    it("the certs one-shot changed nothing, and the earlier ciphertext still decrypts", async () => {
      assert.match(
        stack.container("certs-1").output,
        new RegExp(`client identity ${clientIdentity}`),
      );
      const dec = ok(
        await kes(stack, 7373, ["key", "decrypt", "-k", "my-app-key", derived.ciphertext]),
        "decrypt",
      );
      assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
      assertCleanExits(await stack.down());
    });
  });

  describe("the ciphertrust profile (KES_KEYSTORE_ADDRESS=keystore-ciphertrust:7003)", () => {
    let stack: ComposeStack;
    let cmVolumes: string;

    before(async () => {
      cmVolumes = await mkdtemp(join(tmpdir(), "kes-compose-cm-"));
      const project = loadCompose(FILE, { KES_KEYSTORE_ADDRESS: "keystore-ciphertrust:7003" });
      stack = await ComposeStack.up(project, { profiles: ["ciphertrust"], volumesDir: cmVolumes });
      await waitForGateway(stack, 7373);
    });
    after(() => rm(cmVolumes, { recursive: true, force: true }));

    it("ciphertrust-setup ran the guide's ksctl steps and left the refresh token for the keystore", async () => {
      assert.equal(stack.container("ciphertrust-setup-1").exitCode, 0);
      const token = join(stack.volume("cm"), "kes-token");
      assert.match(await readFile(token, "utf8"), /^[A-Za-z0-9]{40,}$/);
      assert.equal(statSync(token).mode & 0o077, 0, "the token is private");
      assert.match(
        stack.container("keystore-ciphertrust-1").output,
        /^Keystore\s+gemalto\.keysecure: https:\/\/ciphertrust:8443$/m,
      );
      assert.match(stack.container("crypto-1").output, /^Keystore\s+keystore-ciphertrust:7003$/m);
    });

    it("create, derive and decrypt through the gateway; 403 for the rest", async () => {
      ok(await kes(stack, 7373, ["key", "create", "-k", "my-app-key"]), "kes key create");
      const dek = ok(await kes(stack, 7373, ["key", "derive", "-k", "my-app-key"]), "derive");
      const { plaintext, ciphertext } = JSON.parse(dek.stdout) as Record<string, string>;
      const dec = ok(
        await kes(stack, 7373, ["key", "decrypt", "-k", "my-app-key", ciphertext as string]),
        "decrypt",
      );
      assert.deepEqual(JSON.parse(dec.stdout), { plaintext });
      assert.equal((await kes(stack, 7373, ["key", "ls", "-k"])).stderr, DENIED);
      assert.equal((await kes(stack, 7373, ["key", "create", "-k", "nope"])).stderr, DENIED);
    });

    it("the key is in the CipherTrust Manager, not in the fs keystore", async () => {
      // docker compose exec ciphertrust ksctl --nosslverify secrets list
      const list = await stack
        .container("ciphertrust-1")
        .exec(["ksctl", "--nosslverify", "secrets", "list"], 30_000);
      assert.equal(list.code, 0, list.output);
      assert.match(list.output, /"name":\s*"my-app-key"/);
      assert.ok(!existsSync(join(stack.volume("keys"), "keys", "my-app-key")));
    });

    it("down: every container ends cleanly, and the token was never printed", async () => {
      const token = (await readFile(join(stack.volume("cm"), "kes-token"), "utf8")).trim();
      const ends = await stack.down();
      assertCleanExits(ends);
      for (const name of ends.keys()) {
        assert.ok(!stack.container(name).output.includes(token), `${name} printed the token`);
      }
    });
  });
});
