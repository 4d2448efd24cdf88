// Test support only: the split deployment's internal certificates, made with the openssl CLI.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RolePair {
  readonly cert: string;
  readonly key: string;
}

export interface RolePki {
  /** PEM of the internal CA. */
  readonly ca: string;
  /** A certificate per role from the internal CA (CN = role; SANs role, localhost, 127.0.0.1). */
  readonly gateway: RolePair;
  readonly crypto: RolePair;
  readonly keystore: RolePair;
  /** A "crypto" certificate from another CA, and that CA. */
  readonly stranger: RolePair;
  readonly strangerCa: string;
  /** A "keystore" server certificate from the internal CA without the 127.0.0.1 SAN. */
  readonly misnamed: RolePair;
  cleanup(): void;
}

export function hasOpenssl(): boolean {
  return spawnSync("openssl", ["version"], { timeout: 10_000 }).status === 0;
}

/** The certificates `kes tool certs internal` makes, plus a stranger's and a misnamed one. */
export function makeRolePki(): RolePki {
  const dir = mkdtempSync(join(tmpdir(), "kes-role-pki-"));
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error ?? r.stderr}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const ca = (name: string) =>
    run(
      ["req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.crt`].concat([
        "-days",
        "1",
        "-subj",
        `/CN=${name}`,
      ]),
    );
  const leaf = (file: string, cn: string, issuer: string, ext: string) => {
    writeFileSync(join(dir, `${file}.ext`), ext);
    run(["req", ...ec, "-keyout", `${file}.key`, "-out", `${file}.csr`, "-subj", `/CN=${cn}`]);
    run(
      [
        "x509",
        "-req",
        "-in",
        `${file}.csr`,
        "-CA",
        `${issuer}.crt`,
        "-CAkey",
        `${issuer}.key`,
      ].concat(["-CAcreateserial", "-out", `${file}.crt`, "-days", "1", "-extfile", `${file}.ext`]),
    );
  };
  const ext = (usage: string, san = "DNS:localhost,IP:127.0.0.1") =>
    `subjectAltName=${san}\nextendedKeyUsage=${usage}\n`;
  ca("ca");
  ca("other-ca");
  for (const role of ["gateway", "crypto", "keystore"] as const) {
    leaf(role, role, "ca", ext("serverAuth,clientAuth", `DNS:${role},DNS:localhost,IP:127.0.0.1`));
  }
  leaf("stranger", "crypto", "other-ca", ext("serverAuth,clientAuth"));
  leaf("misnamed", "keystore", "ca", ext("serverAuth,clientAuth", "DNS:elsewhere"));
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const pair = (name: string) => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
  return {
    ca: read("ca.crt"),
    gateway: pair("gateway"),
    crypto: pair("crypto"),
    keystore: pair("keystore"),
    stranger: pair("stranger"),
    strangerCa: read("other-ca.crt"),
    misnamed: pair("misnamed"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
