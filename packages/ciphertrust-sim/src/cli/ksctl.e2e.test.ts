import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Simulator, startSimulator } from "../index.js";
import { call } from "../testing/http.js";
import { BIN, run } from "../testing/process.js";

/** The guide's config.yaml (CipherTrust Manager Setup), pointed at the simulator. */
function configYaml(url: string, noSslVerify: boolean): string {
  return [
    `KSCTL_URL: ${url}`,
    "KSCTL_USERNAME: admin",
    "KSCTL_PASSWORD: admin",
    "KSCTL_VERBOSITY: false",
    "KSCTL_RESP: json",
    `KSCTL_NOSSLVERIFY: ${noSslVerify}`,
    "KSCTL_TIMEOUT: 30",
    "",
  ].join("\n");
}

describe("ksctl, as a separate process, reproduces the guide's CipherTrust Manager setup", () => {
  let sim: Simulator;
  let root: string;
  let cwd: string;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "ksctl-e2e-"));
    cwd = join(root, "work");
    home = join(root, "home");
    await mkdir(cwd);
    await mkdir(home);
    sim = await startSimulator({ tlsDir: join(root, "tls") });
    await writeFile(join(cwd, "config.yaml"), configYaml(sim.url, true));
    env = { ...process.env, HOME: home };
    for (const k of Object.keys(env)) if (k.startsWith("KSCTL_")) delete env[k];
  });
  after(async () => {
    await sim.close();
    await rm(root, { recursive: true, force: true });
  });

  const ksctl = (...args: string[]) => run(BIN.ksctl, args, { cwd, env });

  it("steps 1–6 yield a refresh token that obtains a JWT that can use secrets", async () => {
    // 1. group
    const group = await ksctl("groups", "create", "--name", "KES-Service");
    assert.equal(group.code, 0, group.stderr);
    assert.equal(JSON.parse(group.stdout).name, "KES-Service");

    // 2. user: prints JSON with user_id
    const user = await ksctl("users", "create", "--name", "kes-user", "--pword", "Kes-Passw0rd!");
    assert.equal(user.code, 0, user.stderr);
    const userId = JSON.parse(user.stdout).user_id as string;
    assert.match(userId, /^local\|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // the id can also be found with `ksctl users list`
    const list = await ksctl("users", "list");
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout).resources.map((u: { user_id: string }) => u.user_id);
    assert.ok(listed.includes(userId));

    // 3. membership
    const add = await ksctl("groups", "adduser", "--name", "KES-Service", "--userid", userId);
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual(sim.state.group("KES-Service")?.members, [userId]);

    // 4. policy from kes-policy.json
    await writeFile(
      join(cwd, "kes-policy.json"),
      JSON.stringify({
        allow: true,
        name: "kes-policy",
        actions: ["CreateKey", "ExportKey", "ReadKey", "DeleteKey"],
        resources: ["kylo:kylo:vault:secrets:*"],
      }),
    );
    const policy = await ksctl("policy", "create", "--jsonfile", "kes-policy.json");
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(JSON.parse(policy.stdout).name, "kes-policy");

    // 5. attachment, the guide's form
    await writeFile(
      join(cwd, "kes-attachment.json"),
      JSON.stringify({ cust: { groups: ["KES-Service"] } }),
    );
    const attach = await ksctl(
      "polattach",
      "create",
      "-p",
      "kes-policy",
      "-g",
      "kes-attachment.json",
    );
    assert.equal(attach.code, 0, attach.stderr);
    assert.equal(sim.state.attachments().length, 1);

    // 6. refresh token
    const tokens = await ksctl(
      "tokens",
      "create",
      "--user",
      "kes-user",
      "--password",
      "Kes-Passw0rd!",
      "--issue-rt",
    );
    assert.equal(tokens.code, 0, tokens.stderr);
    const refreshToken = JSON.parse(tokens.stdout).refresh_token as string;
    assert.match(refreshToken, /^[A-Za-z0-9]{40,}$/);

    // What KES does with it.
    const ca = sim.caPem as string;
    const grant = await call(sim.url, "POST", "/api/v1/auth/tokens", {
      ca,
      body: { grant_type: "refresh_token", refresh_token: refreshToken, domain: "" },
    });
    assert.equal(grant.status, 200);
    const jwt = grant.json.jwt as string;
    const create = await call(sim.url, "POST", "/api/v1/vault/secrets", {
      ca,
      token: jwt,
      body: { dataType: "seed", material: "m", name: "my-app-key" },
    });
    assert.equal(create.status, 201);
    const exported = await call(
      sim.url,
      "POST",
      "/api/v1/vault/secrets/my-app-key/export?type=name",
      {
        ca,
        token: jwt,
      },
    );
    assert.equal(exported.json.material, "m");

    const secrets = await ksctl("secrets", "list");
    assert.equal(secrets.code, 0, secrets.stderr);
    assert.deepEqual(
      JSON.parse(secrets.stdout).resources.map((r: { name: string }) => r.name),
      ["my-app-key"],
    );
  });

  it("reports CM errors on stderr with a non-zero exit", async () => {
    const dup = await ksctl("groups", "create", "--name", "admin");
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /409: NCERRConflict/);
    const badFile = await ksctl("policy", "create", "--jsonfile", "missing.json");
    assert.equal(badFile.code, 1);
    assert.match(badFile.stderr, /cannot read policy file missing.json/);
    const badLogin = await ksctl("--password", "wrong", "users", "list");
    assert.equal(badLogin.code, 1);
    assert.match(badLogin.stderr, /401: NCERRUnauthorizedAccess/);
  });

  it("verifies TLS unless KSCTL_NOSSLVERIFY; a trusted CA (NODE_EXTRA_CA_CERTS) works", async () => {
    const strict = join(root, "strict");
    await mkdir(strict, { recursive: true });
    await writeFile(join(strict, "config.yaml"), configYaml(sim.url, false));
    const untrusted = await run(BIN.ksctl, ["users", "list"], { cwd: strict, env });
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /cannot reach .*certificate/i);
    const trusted = await run(BIN.ksctl, ["users", "list"], {
      cwd: strict,
      env: { ...env, NODE_EXTRA_CA_CERTS: sim.caFile as string },
    });
    assert.equal(trusted.code, 0, trusted.stderr);
  });

  it("finds ~/.ksctl/config.yaml or --configfile, prints YAML on request, and says what is missing", async () => {
    const elsewhere = join(root, "elsewhere");
    await mkdir(elsewhere, { recursive: true });
    const none = await run(BIN.ksctl, ["users", "list"], { cwd: elsewhere, env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /KSCTL_URL/);

    await mkdir(join(home, ".ksctl"), { recursive: true });
    await writeFile(join(home, ".ksctl", "config.yaml"), configYaml(sim.url, true));
    const fromHome = await run(BIN.ksctl, ["groups", "list"], { cwd: elsewhere, env });
    assert.equal(fromHome.code, 0, fromHome.stderr);
    await rm(join(home, ".ksctl"), { recursive: true });

    await writeFile(
      join(elsewhere, "other.yaml"),
      `${configYaml(sim.url, true)}KSCTL_RESP: yaml\n`.replace("KSCTL_RESP: json\n", ""),
    );
    const yaml = await run(BIN.ksctl, ["--configfile", "other.yaml", "groups", "list"], {
      cwd: elsewhere,
      env,
    });
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^skip: 0$/m);
  });
});
