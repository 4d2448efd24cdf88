/**
 * The user guide (../shared/seed/gemalto-keysecure-guide.md) end to end, every command a
 * separate process as an operator runs it: the CipherTrust Manager simulator set up with the
 * guide's ksctl steps, the guide's server-config.yml verbatim but for endpoint, token, domain
 * and CA, `kes server`, and `kes key create / derive / decrypt`, across a server restart.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KesProcess, killAll, type RunResult, runKes, spawnKes } from "../support/kes-bin.js";
import { waitUntilAnswers } from "../support/wait.js";
import { cmRequest, KSCTL_BIN, runBin, spawnSim } from "./processes.js";

const FIXTURE = resolve(import.meta.dirname, "../../src/ciphertrust/fixtures/server-config.yml");
const GUIDE = resolve(import.meta.dirname, "../../../../shared/seed/gemalto-keysecure-guide.md");

/** The guide's ksctl config.yaml, pointed at the simulator. */
function ksctlConfig(url: string): string {
  return `KSCTL_URL: ${url}
KSCTL_USERNAME: admin
KSCTL_PASSWORD: admin
KSCTL_VERBOSITY: false
KSCTL_RESP: json
KSCTL_NOSSLVERIFY: true
KSCTL_TIMEOUT: 30
`;
}

/** The guide's config with exactly the four values filled in; everything else untouched. */
function fill(template: string, values: Record<"endpoint" | "token" | "domain" | "ca", string>) {
  let text = template;
  for (const [key, value] of Object.entries(values)) {
    const pattern = new RegExp(`^(\\s*${key}:\\s*)""`, "m");
    assert.match(text, pattern, `the template has no empty ${key}`);
    text = text.replace(pattern, `$1${JSON.stringify(value)}`);
  }
  return text;
}

function ok(result: RunResult, what: string): RunResult {
  assert.equal(
    result.code,
    0,
    `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
  );
  return result;
}

describe("the KES guide with a CipherTrust Manager (simulator), as separate processes", () => {
  let dir: string;
  let sim: KesProcess;
  let cmUrl: string;
  let caFile: string;
  let refreshToken: string;
  let appIdentity: string;
  let server: KesProcess | undefined;
  let endpoint: string;
  let derived: { plaintext: string; ciphertext: string };

  const ksctl = (...args: string[]) => runBin(KSCTL_BIN, args, { cwd: dir });
  const cli = (args: string[]) =>
    runKes(args, {
      cwd: dir,
      env: { KES_SERVER: endpoint, KES_CLIENT_CERT: "app.cert", KES_CLIENT_KEY: "app.key" },
    });

  /** Guide step 4: `kes server --config=server-config.yml --auth=off` (on a free port). */
  async function startServer(): Promise<void> {
    server = spawnKes(
      ["server", "--config=server-config.yml", "--auth=off", "--addr=127.0.0.1:0"],
      {
        cwd: dir,
        env: { APP_IDENTITY: appIdentity },
      },
    );
    const [, port] = await server.waitForOutput(/Endpoints\s+https:\/\/127\.0\.0\.1:(\d+)/);
    endpoint = `https://127.0.0.1:${port}`;
    await waitUntilAnswers(endpoint, {
      certPem: await readFile(join(dir, "app.cert"), "utf8"),
      keyPem: await readFile(join(dir, "app.key"), "utf8"),
    });
  }

  /** Everything CM logged for `path` (the simulator's control plane). */
  async function cmLog(path: RegExp): Promise<{ method: string; status: number }[]> {
    const ca = await readFile(caFile, "utf8");
    const res = await cmRequest(
      cmUrl,
      ca,
      "GET",
      `/__sim/log?path=${encodeURIComponent(path.source)}`,
    );
    return (res.json as { entries: { method: string; status: number }[] }).entries;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-cm-guide-"));
    sim = spawnSim(["--port", "0", "--tls-dir", join(dir, "cm-tls")], dir);
    cmUrl = (await sim.waitForOutput(/listening on (https:\/\/\S+)/))[1] as string;
    caFile = (await sim.waitForOutput(/^CA certificate: (.+)$/m))[1] as string;
    await writeFile(join(dir, "config.yaml"), ksctlConfig(cmUrl));
  });

  after(async () => {
    await killAll();
    await sim?.stop("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  });

  it("the fixture is the guide's server-config.yml, byte for byte", async () => {
    const guide = await readFile(GUIDE, "utf8");
    const block = guide.match(/ {3}```yaml\n( {3}address:[\s\S]*?)\n {3}```/)?.[1];
    assert.ok(block !== undefined, "the guide's server-config.yml block");
    const dedented = block.replace(/^ {3}/gm, "");
    assert.equal(`${await readFile(FIXTURE, "utf8")}`.trimEnd(), dedented.trimEnd());
  });

  it("CipherTrust Manager setup, steps 1-6, with ksctl", async () => {
    ok(await ksctl("groups", "create", "--name", "KES-Service"), "groups create");
    const user = ok(
      await ksctl("users", "create", "--name", "kes-user", "--pword", "Kes-Passw0rd!"),
      "users create",
    );
    const userId = (JSON.parse(user.stdout) as { user_id: string }).user_id;
    assert.match(userId, /^local\|/);
    ok(await ksctl("groups", "adduser", "--name", "KES-Service", "--userid", userId), "adduser");
    // The guide's kes-policy.json and kes-attachment.json, as printed there.
    await writeFile(
      join(dir, "kes-policy.json"),
      `{
  "allow": true,
  "name": "kes-policy",
  "actions":[
      "CreateKey",
      "ExportKey",
      "ReadKey",
      "DeleteKey"
  ],
  "resources": [
      "kylo:kylo:vault:secrets:*"
  ]
}
`,
    );
    ok(await ksctl("policy", "create", "--jsonfile", "kes-policy.json"), "policy create");
    await writeFile(
      join(dir, "kes-attachment.json"),
      `{
   "cust": {
      "groups": ["KES-Service"]
   }
}
`,
    );
    ok(
      await ksctl("polattach", "create", "-p", "kes-policy", "-g", "kes-attachment.json"),
      "polattach",
    );
    const tokens = ok(
      await ksctl(
        "tokens",
        "create",
        "--user",
        "kes-user",
        "--password",
        "Kes-Passw0rd!",
        "--issue-rt",
      ),
      "tokens create",
    );
    // `| jq -r .refresh_token`
    refreshToken = (JSON.parse(tokens.stdout) as { refresh_token: string }).refresh_token;
    assert.match(refreshToken, /^[A-Za-z0-9]{40,}$/);
  });

  it("KES setup steps 1-2: the server's and the app's keys and certificates", async () => {
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
      "identity new --server",
    );
    ok(
      await runKes(["tool", "identity", "new", "--key=app.key", "--cert=app.cert", "app"], {
        cwd: dir,
      }),
      "identity new app",
    );
    appIdentity = ok(
      await runKes(["tool", "identity", "of", "app.cert"], { cwd: dir }),
      "identity of",
    ).stdout.trim();
    assert.match(appIdentity, /^[0-9a-f]{64}$/);
  });

  it("steps 3-4: the guide's server-config.yml (four values filled in) starts a server", async () => {
    const config = fill(await readFile(FIXTURE, "utf8"), {
      endpoint: cmUrl,
      token: refreshToken,
      domain: "",
      ca: caFile,
    });
    await writeFile(join(dir, "server-config.yml"), config);
    await startServer();
    assert.match(server?.stdout ?? "", /Admin\s+_\s+\[ disabled \]/);
    assert.ok(
      !`${server?.stdout}${server?.stderr}`.includes(refreshToken),
      "the token was printed",
    );
  });

  it("step 5: kes key create stores my-app-key in CipherTrust Manager as KES's text", async () => {
    ok(await cli(["key", "create", "-k", "my-app-key"]), "kes key create");
    const again = await cli(["key", "create", "-k", "my-app-key"]);
    assert.notEqual(again.code, 0);
    assert.equal(again.stderr, "Error: key already exists\n");

    // Look at the secret as CM's admin: a seed secret whose material is the stored-key JSON.
    const ca = await readFile(caFile, "utf8");
    const login = await cmRequest(cmUrl, ca, "POST", "/api/v1/auth/tokens", {
      body: { grant_type: "password", username: "admin", password: "admin" },
    });
    const jwt = (login.json as { jwt: string }).jwt;
    const secret = await cmRequest(
      cmUrl,
      ca,
      "POST",
      "/api/v1/vault/secrets/my-app-key/export?type=name",
      { jwt },
    );
    assert.equal(secret.status, 200);
    const { dataType, material } = secret.json as { dataType: string; material: string };
    assert.equal(dataType, "seed");
    const stored = JSON.parse(material) as Record<string, unknown>;
    assert.deepEqual(Object.keys(stored), [
      "version",
      "bytes",
      "algorithm",
      "created_at",
      "created_by",
    ]);
    assert.equal(Buffer.from(stored.bytes as string, "base64").length, 32);
    assert.equal(stored.created_by, appIdentity);
  });

  it("step 6: derives a data key and decrypts its ciphertext", async () => {
    const dek = ok(await cli(["key", "derive", "-k", "my-app-key"]), "kes key derive");
    derived = JSON.parse(dek.stdout) as { plaintext: string; ciphertext: string };
    assert.equal(Buffer.from(derived.plaintext, "base64").length, 32);
    const dec = ok(
      await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]),
      "decrypt",
    );
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
  });

  it("a restarted server reads the key from CipherTrust Manager and decrypts again", async () => {
    assert.deepEqual(await server?.stop("SIGTERM"), { code: 0, signal: null });
    const exportsBefore = (await cmLog(/\/export$/)).length;
    await startServer();
    const dec = ok(
      await cli(["key", "decrypt", "-k", "my-app-key", derived.ciphertext]),
      "decrypt",
    );
    assert.deepEqual(JSON.parse(dec.stdout), { plaintext: derived.plaintext });
    const exports = await cmLog(/\/export$/);
    assert.equal(exports.length, exportsBefore + 1, "the key came from CipherTrust Manager");
    assert.equal(exports.at(-1)?.status, 200);
  });

  it("a revoked refresh token: the server refuses to start, naming the setting", async () => {
    await server?.stop("SIGTERM");
    const ca = await readFile(caFile, "utf8");
    const revoke = await cmRequest(cmUrl, ca, "POST", "/__sim/tokens/revoke", {
      body: { refreshToken },
    });
    assert.equal(revoke.status, 200, JSON.stringify(revoke.json));
    const failed = await runKes(
      ["server", "--config=server-config.yml", "--auth=off", "--addr=127.0.0.1:0"],
      { cwd: dir, env: { APP_IDENTITY: appIdentity } },
    );
    assert.notEqual(failed.code, 0);
    assert.match(
      failed.stderr,
      /Error: cannot open the keystore: CipherTrust Manager refused the refresh token \(keystore\.gemalto\.keysecure\.credentials\.token\): 401 NCERRUnauthorizedAccess - Token has been revoked/,
    );
    assert.ok(!failed.stderr.includes(refreshToken));
  });
});
