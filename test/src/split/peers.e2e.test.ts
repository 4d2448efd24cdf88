/**
 * Peer identity between the split services, against the real `kes keystore` and `kes crypto`
 * processes: a certificate from another CA is refused at the handshake by both; a certificate
 * from the internal CA with the wrong role is refused with PERMISSION_DENIED; plaintext is
 * refused; and clients refuse a server without the expected role.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CryptoApi, isKesError, type KeyStore } from "@kes/core";
import { connectCrypto } from "@kes/crypto-service";
import {
  type CertificateMaterial,
  createCertificateAuthority,
  issueCertificate,
} from "@kes/identity";
import { connectKeyStore } from "@kes/keystore-service";
import { type KesProcess, killAll } from "../support/kes-bin.js";
import { type Role, SplitStack, waitForLog } from "./split-stack.js";

interface Pem {
  cert: string;
  key: string;
}

async function expectKeystoreRefusal(store: KeyStore, pattern: RegExp, negate = false) {
  try {
    await assert.rejects(store.get("peer-key"), (err: unknown) => {
      assert.ok(isKesError(err, "keystore_failure"), String(err));
      if (negate) assert.doesNotMatch(err.message, pattern);
      else assert.match(err.message, pattern);
      return true;
    });
  } finally {
    await store.close();
  }
}

async function expectCryptoRefusal(crypto: CryptoApi, message: string) {
  try {
    await assert.rejects(crypto.describeKey("peer-key"), (err: unknown) => {
      assert.ok(isKesError(err, "service_unavailable"), String(err));
      assert.equal(err.message, message);
      return true;
    });
  } finally {
    await crypto.close();
  }
}

describe("split deployment: the internal services check their peers", () => {
  let dir: string;
  let stack: SplitStack;
  let keystore: KesProcess;
  let crypto: KesProcess;
  let ca: string;
  const internal = {} as Record<Role, Pem>;
  const foreign = {} as Record<"gateway" | "crypto", Pem>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kes-split-peers-"));
    stack = await SplitStack.create(dir);
    ca = await readFile(join(dir, "certs", "ca.crt"), "utf8");
    for (const role of ["gateway", "crypto", "keystore"] as const) {
      internal[role] = {
        cert: await readFile(join(dir, "certs", `${role}.crt`), "utf8"),
        key: await readFile(join(dir, "certs", `${role}.key`), "utf8"),
      };
    }
    // Another CA issuing certificates with the right roles and names: only the CA differs.
    const otherCa = await createCertificateAuthority({
      subject: "kes internal CA",
      keyType: "ecdsa-p256",
    });
    const issue = async (role: string): Promise<CertificateMaterial> =>
      issueCertificate(otherCa, {
        subject: role,
        usage: "both",
        dns: [role, "localhost"],
        ip: ["127.0.0.1"],
        keyType: "ecdsa-p256",
      });
    for (const role of ["gateway", "crypto"] as const) {
      const m = await issue(role);
      foreign[role] = { cert: m.certPem, key: m.keyPem };
    }
    keystore = await stack.startKeystore();
    crypto = await stack.startCrypto();
  });
  after(async () => {
    await killAll();
    await rm(dir, { recursive: true, force: true });
  });

  const keystoreAt = () => `127.0.0.1:${stack.keystorePort}`;
  const cryptoAt = () => `127.0.0.1:${stack.cryptoPorts[0]}`;

  it("the keystore serves the crypto role (the baseline)", async () => {
    const store = connectKeyStore({
      endpoint: keystoreAt(),
      tls: { ca, ...internal.crypto },
      serverRole: "keystore",
      timeoutMs: 5000,
    });
    try {
      await store.create("peer-key", Buffer.from("{}"));
      assert.deepEqual(Buffer.from(await store.get("peer-key")).toString(), "{}");
    } finally {
      await store.close();
    }
  });

  it("the keystore refuses a certificate from another CA at the handshake", async () => {
    await expectKeystoreRefusal(
      connectKeyStore({ endpoint: keystoreAt(), tls: { ca, ...foreign.crypto }, timeoutMs: 5000 }),
      /PERMISSION_DENIED/,
      true,
    );
    assert.ok(keystore.running);
  });

  it("the keystore refuses the gateway role with PERMISSION_DENIED", async () => {
    await expectKeystoreRefusal(
      connectKeyStore({
        endpoint: keystoreAt(),
        tls: { ca, ...internal.gateway },
        timeoutMs: 5000,
      }),
      /PERMISSION_DENIED: permission denied: the keystore service accepts only crypto peers, not role 'gateway'/,
    );
    await waitForLog(keystore, /keystore: peer refused/);
  });

  it("the keystore refuses plaintext and clients without a certificate", async () => {
    await expectKeystoreRefusal(
      connectKeyStore({ endpoint: `http://${keystoreAt()}`, timeoutMs: 5000 }),
      /grpc keystore/,
    );
    await expectKeystoreRefusal(
      connectKeyStore({ endpoint: keystoreAt(), tls: { ca }, timeoutMs: 5000 }),
      /grpc keystore/,
    );
  });

  it("the crypto service serves the gateway role (the baseline)", async () => {
    const client = connectCrypto({
      address: cryptoAt(),
      tls: { ca, ...internal.gateway },
      serverRole: "crypto",
      timeoutMs: 5000,
    });
    try {
      assert.equal((await client.keyStoreStatus()).reachable, true);
    } finally {
      await client.close();
    }
  });

  it("the crypto service refuses a certificate from another CA at the handshake", async () => {
    await expectCryptoRefusal(
      connectCrypto({ address: cryptoAt(), tls: { ca, ...foreign.gateway }, timeoutMs: 5000 }),
      "service unavailable: crypto service is not reachable",
    );
  });

  it("the crypto service refuses the crypto and keystore roles with PERMISSION_DENIED", async () => {
    for (const role of ["crypto", "keystore"] as const) {
      await expectCryptoRefusal(
        connectCrypto({ address: cryptoAt(), tls: { ca, ...internal[role] }, timeoutMs: 5000 }),
        "service unavailable: crypto service refused this gateway",
      );
    }
    await waitForLog(crypto, /crypto: peer refused/);
  });

  it("the crypto service refuses plaintext", async () => {
    await expectCryptoRefusal(
      connectCrypto({ address: cryptoAt(), timeoutMs: 5000 }),
      "service unavailable: crypto service is not reachable",
    );
  });

  it("clients refuse a server without the expected role", async () => {
    // The crypto service's certificate is valid for 127.0.0.1, but it is no keystore.
    await expectKeystoreRefusal(
      connectKeyStore({
        endpoint: cryptoAt(),
        tls: { ca, ...internal.crypto },
        serverRole: "keystore",
        timeoutMs: 5000,
      }),
      /grpc keystore/,
    );
    await expectCryptoRefusal(
      connectCrypto({
        address: keystoreAt(),
        tls: { ca, ...internal.gateway },
        serverRole: "crypto",
        timeoutMs: 5000,
      }),
      "service unavailable: crypto service is not reachable",
    );
    assert.ok(keystore.running && crypto.running);
  });
});
