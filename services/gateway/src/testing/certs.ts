import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { identityOfCertificate } from "@kes/identity";

/** Throwaway certificates for tests, made with the openssl CLI in a temp dir. */

const run = promisify(execFile);

export interface Pem {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface Client extends Pem {
  readonly identity: string;
}

export interface TestPki {
  readonly dir: string;
  /** Self-signed, SANs IP:127.0.0.1 and DNS:localhost. */
  readonly server: Pem;
  /** A CA (basicConstraints CA:TRUE). */
  readonly ca: Pem;
  /** Self-signed Ed25519 client certificates. */
  readonly admin: Client;
  readonly app: Client;
  readonly stranger: Client;
  /** A client issued by `ca`; its certPem is the leaf only. */
  readonly caSigned: Client;
  /** A client issued by a certificate without CA:TRUE; certPem = leaf + that issuer. */
  readonly twoLeaves: Client;
  /**
   * An impersonation attempt: a CA:TRUE certificate (whose key the client holds) that names
   * `not-ca` as its issuer (subject and key identifier copied from it), sent followed by the
   * real `not-ca` certificate, whose key the client does not have. `victim` is not-ca's identity.
   */
  readonly impostor: Client & { readonly victim: string };
  cleanup(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd: dir });
}

async function selfSigned(
  dir: string,
  name: string,
  alg: "ed25519" | "ec",
  ext: string[],
  subject = name,
) {
  const keyArgs =
    alg === "ed25519"
      ? ["-newkey", "ed25519"]
      : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  await openssl(dir, [
    "req",
    "-x509",
    ...keyArgs,
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-subj",
    `/CN=${subject}`,
    "-days",
    "2",
    ...ext.flatMap((e) => ["-addext", e]),
  ]);
  return read(dir, name);
}

async function issued(dir: string, name: string, issuer: string, ext: string) {
  await openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ]);
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${issuer}.crt`,
    "-CAkey",
    `${issuer}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
  ]);
  return read(dir, name);
}

async function read(dir: string, name: string): Promise<Pem> {
  return {
    certPem: await readFile(join(dir, `${name}.crt`), "utf8"),
    keyPem: await readFile(join(dir, `${name}.key`), "utf8"),
  };
}

function client(pem: Pem, chain = ""): Client {
  return { ...pem, certPem: pem.certPem + chain, identity: identityOfCertificate(pem.certPem) };
}

const CLIENT_EXT = ["extendedKeyUsage=clientAuth", "basicConstraints=critical,CA:FALSE"];
const LEAF_EXT = "extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n";

export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "kes-gateway-pki-"));
  try {
    const server = await selfSigned(dir, "server", "ec", [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]);
    const ca = await selfSigned(dir, "ca", "ec", [
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const notCa = await selfSigned(dir, "not-ca", "ec", ["basicConstraints=critical,CA:FALSE"]);
    const [admin, app, stranger, caSigned, twoLeaves] = await Promise.all([
      selfSigned(dir, "admin", "ed25519", CLIENT_EXT),
      selfSigned(dir, "app", "ed25519", CLIENT_EXT),
      selfSigned(dir, "stranger", "ed25519", CLIENT_EXT),
      issued(dir, "ca-signed", "ca", LEAF_EXT),
      issued(dir, "two-leaves", "not-ca", LEAF_EXT),
    ]);
    return {
      dir,
      server,
      ca,
      admin: client(admin),
      app: client(app),
      stranger: client(stranger),
      caSigned: client(caSigned),
      twoLeaves: client(twoLeaves, notCa.certPem),
      impostor: {
        ...client(await impostor(dir), notCa.certPem),
        victim: identityOfCertificate(notCa.certPem),
      },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

// A self-signed CA posing as not-ca (same subject and subject key identifier), and a CA:TRUE
// certificate it issues: to a chain builder that checks names and key identifiers, not-ca
// looks like that certificate's issuer.
async function impostor(dir: string): Promise<Pem> {
  const { stdout } = await run(
    "openssl",
    ["x509", "-in", "not-ca.crt", "-noout", "-ext", "subjectKeyIdentifier"],
    { cwd: dir },
  );
  const skid = stdout.trim().split("\n").at(-1)?.trim().replaceAll(" ", "") ?? "";
  await selfSigned(
    dir,
    "fake-not-ca",
    "ec",
    ["basicConstraints=critical,CA:TRUE", `subjectKeyIdentifier=${skid}`],
    "not-ca",
  );
  return issued(
    dir,
    "impostor",
    "fake-not-ca",
    "basicConstraints=critical,CA:TRUE\nauthorityKeyIdentifier=keyid\nextendedKeyUsage=clientAuth\n",
  );
}

/** Runs openssl in `dir` (for one-off certificates in a test). */
export function runOpenssl(dir: string, args: string[]): Promise<void> {
  return openssl(dir, args);
}
