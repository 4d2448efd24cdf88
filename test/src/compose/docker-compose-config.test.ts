/**
 * `docker-compose config`: the compose file as docker-compose (v1, Debian's package) validates
 * it, with and without the ciphertrust profile. .ci/run installs it where apt can; without the
 * binary these tests skip, saying so. v1 does not know every key of the current Compose
 * Specification, so the file keeps to keys that both v1 and v2 read.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { REPO } from "./build-context.js";

const probe = spawnSync("docker-compose", ["version"], { encoding: "utf8", timeout: 30_000 });
const skip =
  probe.status === 0
    ? false
    : "docker-compose is not installed (apt-get install -y docker-compose): compose file not validated";

function config(args: string[], env: Record<string, string> = {}) {
  // Only what docker-compose needs: a developer's own COMPOSE_* or KES_* settings stay out.
  const result = spawnSync(
    "docker-compose",
    ["--project-directory", REPO, "-f", join(REPO, "docker-compose.yml"), ...args, "config"],
    {
      encoding: "utf8",
      timeout: 60_000,
      cwd: REPO,
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        HOME: process.env["HOME"] ?? "/",
        ...env,
      },
    },
  );
  assert.equal(result.status, 0, `docker-compose ${args.join(" ")} config:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /WARNING|variable is not set/i, result.stderr);
  return parse(result.stdout) as { services: Record<string, Record<string, unknown>> };
}

describe("docker-compose config", { skip }, () => {
  it("accepts the file and resolves it as the harness does", () => {
    const resolved = config([]);
    assert.deepEqual(Object.keys(resolved.services).sort(), [
      "certs",
      "ciphertrust",
      "ciphertrust-setup",
      "crypto",
      "gateway",
      "keystore",
      "keystore-ciphertrust",
    ]);
    const gateway = resolved.services["gateway"] as Record<string, unknown>;
    assert.deepEqual(gateway["entrypoint"], ["/bin/sh", "/etc/kes/kes-env.sh"]);
    assert.deepEqual(gateway["command"], [
      "kes",
      "gateway",
      "--config",
      "/etc/kes/kes-config.yml",
      "--auth",
      "off",
    ]);
    assert.deepEqual(gateway["environment"], {
      KES_ADMIN_IDENTITY: "disabled",
      KES_APP_IDENTITY_FILE: "/certs/client.identity",
      KES_INTERNAL_CERT: "/certs/gateway.crt",
      KES_INTERNAL_KEY: "/certs/gateway.key",
      KES_KEYSTORE_ADDRESS: "keystore:7003",
    });
    assert.equal((resolved.services["certs"] as Record<string, unknown>)["restart"], "no");
  });

  it("accepts the ciphertrust profile and the variables the README sets", () => {
    const resolved = config(["--profile", "ciphertrust"], {
      KES_KEYSTORE_ADDRESS: "keystore-ciphertrust:7003",
      KES_GATEWAY_PORTS: "7373-7374",
    });
    const crypto = resolved.services["crypto"] as { environment: Record<string, string> };
    assert.equal(crypto.environment["KES_KEYSTORE_ADDRESS"], "keystore-ciphertrust:7003");
    assert.match(JSON.stringify(resolved.services["gateway"]?.["ports"]), /7373-7374/);
  });
});
