// Test support only: throwaway mutual-TLS material made with the openssl CLI in a temp dir.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  readonly dir: string;
  /** PEM text of the CA that signed `server` and `client`. */
  readonly ca: string;
  readonly server: { readonly cert: string; readonly key: string };
  readonly client: { readonly cert: string; readonly key: string };
  /** A client signed by another CA: the server must refuse it. */
  readonly stranger: { readonly cert: string; readonly key: string; readonly ca: string };
  cleanup(): void;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "kes-crypto-pki-"));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

  const makeCa = (name: string) =>
    openssl(
      "req",
      "-x509",
      ...ecKey,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-subj",
      `/CN=${name}`,
      "-days",
      "1",
    );
  const makeLeaf = (name: string, ca: string, usage: string) => {
    writeFileSync(
      path(`${name}.ext`),
      `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=${usage}\n`,
    );
    openssl(
      "req",
      ...ecKey,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  };
  makeCa("ca");
  makeCa("other-ca");
  makeLeaf("server", "ca", "serverAuth");
  makeLeaf("client", "ca", "clientAuth");
  makeLeaf("stranger", "other-ca", "clientAuth");

  const read = (name: string) => readFileSync(path(name), "utf8");
  return {
    dir,
    ca: read("ca.pem"),
    server: { cert: path("server.pem"), key: path("server.key") },
    client: { cert: read("client.pem"), key: read("client.key") },
    stranger: { cert: read("stranger.pem"), key: read("stranger.key"), ca: read("ca.pem") },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
