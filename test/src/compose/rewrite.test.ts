import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { copyMount, rewrite } from "./rewrite.js";

const view = {
  ip: "127.200.1.5",
  paths: new Map([
    ["/certs", "/tmp/v/certs"],
    ["/etc/kes", "/tmp/c/mounts/0"],
    ["/etc/kes/extra", "/tmp/c/mounts/1"],
    ["/app", "/repo/packages/cli"],
  ]),
};

describe("rewriting a container's texts for the host", () => {
  it("maps paths under mount targets and image directories, only at path boundaries", () => {
    assert.equal(rewrite("/certs/ca.crt", view), "/tmp/v/certs/ca.crt");
    assert.equal(rewrite("/certs", view), "/tmp/v/certs");
    assert.equal(
      rewrite("--config=/etc/kes/kes-config.yml", view),
      "--config=/tmp/c/mounts/0/kes-config.yml",
    );
    assert.equal(rewrite("node /app/bin/kes.js", view), "node /repo/packages/cli/bin/kes.js");
    // The longest mount wins.
    assert.equal(rewrite("/etc/kes/extra/x", view), "/tmp/c/mounts/1/x");
    // Not a mount: other names that merely start or end alike.
    assert.equal(
      rewrite("/certs2/x /my/certs/x /etc/kesx /application", view),
      "/certs2/x /my/certs/x /etc/kesx /application",
    );
  });

  it("gives the container's own addresses its loopback IP, keeping ports and service names", () => {
    assert.equal(rewrite("listen: 0.0.0.0:7002", view), "listen: 127.200.1.5:7002");
    assert.equal(
      rewrite("127.0.0.1:7003 localhost:7373 [::]:1 [::1]:2", view),
      "127.200.1.5:7003 127.200.1.5:7373 127.200.1.5:1 127.200.1.5:2",
    );
    assert.equal(rewrite("address: crypto:7002", view), "address: crypto:7002");
    assert.equal(rewrite("https://ciphertrust:8443", view), "https://ciphertrust:8443");
    // Without a port it is not an address this container listens on or dials (a certificate's IP).
    assert.equal(rewrite("--ip 127.0.0.1 --dns localhost", view), "--ip 127.0.0.1 --dns localhost");
    assert.equal(rewrite("10.127.0.0.1:5", view), "10.127.0.0.1:5");
  });

  it("rewrites one pass: a replacement is not rewritten again", () => {
    const nested = {
      ip: "127.0.0.2",
      paths: new Map([
        ["/a", "/b/a"],
        ["/b", "/c"],
      ]),
    };
    assert.equal(rewrite("/a /b", nested), "/b/a /c");
  });
});

describe("copying a bind mount for a container", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-rewrite-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("rewrites text files, copies binary files as they are, and drops write bits for :ro", async () => {
    const src = join(dir, "src");
    await mkdir(join(src, "sub"), { recursive: true });
    await writeFile(join(src, "config.yml"), "ca: /certs/ca.crt\nlisten: 0.0.0.0:7003\n");
    await writeFile(join(src, "sub", "run.sh"), "exec kes --config /etc/kes/x\n", { mode: 0o755 });
    const binary = Buffer.from([0, 1, 2, 0x2f, 0x63]);
    await writeFile(join(src, "blob"), binary);
    const dest = join(dir, "dest");
    await copyMount(src, dest, view, true);
    assert.equal(
      await readFile(join(dest, "config.yml"), "utf8"),
      "ca: /tmp/v/certs/ca.crt\nlisten: 127.200.1.5:7003\n",
    );
    assert.equal(
      await readFile(join(dest, "sub", "run.sh"), "utf8"),
      "exec kes --config /tmp/c/mounts/0/x\n",
    );
    assert.deepEqual(await readFile(join(dest, "blob")), binary);
    assert.equal((await stat(join(dest, "sub", "run.sh"))).mode & 0o777, 0o555);
    assert.equal((await stat(join(dest, "config.yml"))).mode & 0o222, 0);
  });
});
