/**
 * docker-compose.yml read as the harness reads it, and checked where a mistake can be seen
 * without starting anything: every ${VAR} a service's KES config needs is in its environment,
 * the volumes that must be shared are, scaling has nothing in its way. The parser's refusals
 * are pinned too. compose.e2e.test.ts then starts it all.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO } from "./build-context.js";
import {
  ComposeError,
  type ComposeService,
  loadCompose,
  parseCompose,
  readComposeDocument,
} from "./compose-file.js";
import { plan } from "./harness.js";

const FILE = join(REPO, "docker-compose.yml");
const project = loadCompose(FILE);
const service = (name: string) => project.services.get(name) as ComposeService;
const KES_SERVICES = ["keystore", "crypto", "gateway", "keystore-ciphertrust"];

/** The host file behind a container path, through the service's bind mounts. */
function hostFile(s: ComposeService, path: string): string {
  const m = s.mounts.find((x) => x.type === "bind" && path.startsWith(`${x.target}/`));
  assert.ok(m !== undefined, `${s.name}: ${path} is not in a bind mount`);
  return join(m.source, path.slice(m.target.length + 1));
}

/** Every `--config` file the service or its health check reads. */
function configsOf(s: ComposeService): string[] {
  const argvs = [s.command ?? [], s.healthcheck?.argv ?? []];
  return argvs.flatMap((argv) => argv.filter((_, i) => argv[i - 1] === "--config"));
}

describe("docker-compose.yml, read", () => {
  it("has the three services, the one-shots and the ciphertrust profile", () => {
    assert.deepEqual(
      [...project.services.keys()],
      [
        "certs",
        "keystore",
        "crypto",
        "gateway",
        "ciphertrust",
        "ciphertrust-setup",
        "keystore-ciphertrust",
      ],
    );
    assert.deepEqual([...project.volumes], ["certs", "keys", "cm"]);
    for (const name of ["ciphertrust", "ciphertrust-setup", "keystore-ciphertrust"]) {
      assert.deepEqual(service(name).profiles, ["ciphertrust"], name);
    }
    assert.deepEqual(
      plan(project, {}).map((s) => s.name),
      ["certs", "keystore", "crypto", "gateway"],
    );
    assert.deepEqual(project.unsetVariables, []);
  });

  it("publishes the gateway on 7373, or on a range for several gateways", () => {
    assert.deepEqual(service("gateway").ports, [{ hostPorts: [7373], containerPort: 7373 }]);
    const scaled = loadCompose(FILE, { KES_GATEWAY_PORTS: "7373-7374" });
    assert.deepEqual(scaled.services.get("gateway")?.ports, [
      { hostPorts: [7373, 7374], containerPort: 7373 },
    ]);
    for (const s of project.services.values()) {
      if (s.name !== "gateway") assert.deepEqual(s.ports, [], `${s.name} publishes nothing`);
    }
  });

  it("gives every KES service each ${VAR} its config file uses", () => {
    for (const name of KES_SERVICES) {
      const s = service(name);
      const configs = configsOf(s);
      assert.ok(configs.length > 0, `${name} reads a config`);
      for (const config of configs) {
        const text = readFileSync(hostFile(s, config), "utf8").replace(/^\s*#.*$/gm, "");
        for (const [, variable] of text.matchAll(/\$\{([A-Z0-9_]+)\}/g)) {
          const v = variable as string;
          // kes-env.sh turns KES_X_FILE into KES_X (see deploy/kes-env.sh).
          assert.ok(
            v in s.environment || `${v}_FILE` in s.environment,
            `${name}: ${config} uses \${${v}}, which its environment does not set`,
          );
        }
      }
    }
  });

  it("gives each service its own internal certificate", () => {
    const roles: Record<string, string> = {
      keystore: "keystore",
      crypto: "crypto",
      gateway: "gateway",
      "keystore-ciphertrust": "keystore",
    };
    for (const [name, role] of Object.entries(roles)) {
      assert.equal(service(name).environment["KES_INTERNAL_CERT"], `/certs/${role}.crt`, name);
      assert.equal(service(name).environment["KES_INTERNAL_KEY"], `/certs/${role}.key`, name);
    }
  });

  it("shares the certs volume from the certs one-shot with every KES service, read-only", () => {
    const writer = service("certs").mounts.find((m) => m.source === "certs");
    assert.deepEqual(writer, {
      type: "volume",
      source: "certs",
      target: "/certs",
      readOnly: false,
    });
    for (const name of KES_SERVICES) {
      const mount = service(name).mounts.find((m) => m.target === "/certs");
      assert.deepEqual(
        mount,
        { type: "volume", source: "certs", target: "/certs", readOnly: true },
        name,
      );
      assert.equal(service(name).dependsOn["certs"], "service_completed_successfully", name);
    }
    assert.ok(service("keystore").mounts.some((m) => m.source === "keys" && m.target === "/data"));
  });

  it("can scale crypto and gateway: no container names, no fixed host ports in the way", () => {
    const raw = readComposeDocument(FILE) as { services: Record<string, Record<string, unknown>> };
    for (const name of ["crypto", "gateway"]) {
      assert.equal(raw.services[name]?.["container_name"], undefined, name);
    }
    assert.deepEqual(service("crypto").ports, []);
    // The gateway dials the service name, which compose resolves to every crypto container.
    const config = readFileSync(join(REPO, "deploy/kes-config.yml"), "utf8");
    assert.match(config, /^ {4}address: crypto:7002\b/m);
  });

  it("has health checks where others wait for health, and restart policies", () => {
    for (const s of project.services.values()) {
      for (const [dep, condition] of Object.entries(s.dependsOn)) {
        if (condition === "service_healthy") {
          assert.ok(service(dep).healthcheck !== undefined, `${s.name} waits for ${dep}'s health`);
        }
      }
    }
    assert.equal(service("certs").restart, "no");
    assert.equal(service("ciphertrust-setup").restart, "no");
    for (const name of [...KES_SERVICES, "ciphertrust"]) {
      assert.equal(service(name).restart, "unless-stopped", name);
    }
  });
});

describe("the compose reader refuses what it does not model", () => {
  const dir = REPO;
  const env = {};
  const base = () =>
    readComposeDocument(FILE) as { services: Record<string, Record<string, unknown>> };
  const refuses = (doc: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(
      () => parseCompose(doc, { dir, env }),
      (err: unknown) => {
        assert.ok(err instanceof ComposeError);
        assert.match(err.message, pattern);
        return true;
      },
    );

  it("unknown keys, the shell form, undeclared volumes, bad ports and conditions", () => {
    let doc = base();
    (doc.services["crypto"] as Record<string, unknown>)["network_mode"] = "host";
    refuses(doc, /services\.crypto\.network_mode: not modelled/);

    doc = base();
    (doc.services["crypto"] as Record<string, unknown>)["command"] = "kes crypto --config x";
    refuses(doc, /services\.crypto\.command: use the exec form/);

    doc = base();
    (doc.services["keystore"] as { volumes: string[] }).volumes.push("nowhere:/x");
    refuses(doc, /volume 'nowhere' is not declared/);

    doc = base();
    (doc.services["gateway"] as Record<string, unknown>)["ports"] = ["7373"];
    refuses(doc, /publish to a chosen host port/);

    doc = base();
    (doc.services["gateway"] as Record<string, unknown>)["depends_on"] = {
      crypto: { condition: "service_ready" },
    };
    refuses(doc, /unknown condition 'service_ready'/);

    doc = base();
    (doc.services["gateway"] as Record<string, unknown>)["depends_on"] = ["cryptos"];
    refuses(doc, /no service 'cryptos'/);

    doc = base();
    (doc.services["gateway"] as Record<string, unknown>)["environment"] = { FLAG: true };
    refuses(doc, /FLAG: expected a string or a number/);
  });

  it("plans like compose: profiles, dependencies first, one-shots not restarted", () => {
    assert.deepEqual(
      plan(project, { profiles: ["ciphertrust"] }).map((s) => s.name),
      [
        "certs",
        "keystore",
        "crypto",
        "gateway",
        "ciphertrust",
        "ciphertrust-setup",
        "keystore-ciphertrust",
      ],
    );
    assert.deepEqual(
      plan(project, { profiles: ["ciphertrust"], services: ["keystore-ciphertrust"] }).map(
        (s) => s.name,
      ),
      ["certs", "ciphertrust", "ciphertrust-setup", "keystore-ciphertrust"],
    );
    // As in compose, naming a service does not enable the profiles of what it depends on.
    assert.throws(
      () => plan(project, { services: ["keystore-ciphertrust"] }),
      /keystore-ciphertrust depends on ciphertrust-setup, which is only in profile/,
    );
    let doc = base();
    (doc.services["gateway"] as { depends_on: Record<string, unknown> }).depends_on["ciphertrust"] =
      {
        condition: "service_started",
      };
    assert.throws(
      () => plan(parseCompose(doc, { dir, env }), {}),
      /gateway depends on ciphertrust, which is only in profile\(s\) ciphertrust/,
    );
    doc = base();
    (doc.services["certs"] as Record<string, unknown>)["restart"] = "always";
    assert.throws(() => plan(parseCompose(doc, { dir, env }), {}), /run the one-shot certs again/);
    doc = base();
    (doc.services["crypto"] as Record<string, unknown>)["restart"] = "no";
    assert.throws(
      () => plan(parseCompose(doc, { dir, env }), {}),
      /crypto\.restart: a long-running/,
    );
  });
});
