import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PeerCertificate } from "node:tls";
import { Code, ConnectError, createClient, createContextValues } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { isKesError, silentLogger } from "@kes/core";
import { Health, KeyStoreService, HealthCheckResponse_ServingStatus as Serving } from "@kes/proto";
import { createMemoryKeyStore } from "../backends/memory.js";
import { connectKeyStore } from "./client.js";
import { gatekeeper } from "./gatekeeper.js";
import { peerRefusal, roleOf, serverRoleCheck } from "./peer-role.js";
import { hasOpenssl, makeRolePki, type RolePair, type RolePki } from "./role-pki.js";
import { type KeyStoreServer, serveKeyStore } from "./server.js";

const cert = (cn: unknown) => ({ subject: { CN: cn } }) as unknown as PeerCertificate;

describe("peer roles", () => {
  it("a role is the certificate's one common name, if it names a service", () => {
    assert.equal(roleOf(cert("crypto")), "crypto");
    assert.equal(roleOf(cert("gateway")), "gateway");
    assert.equal(roleOf(cert("Crypto")), undefined);
    assert.equal(roleOf(cert(["crypto", "gateway"])), undefined);
    assert.equal(roleOf(cert(undefined)), undefined);
    assert.equal(roleOf(undefined), undefined);
  });

  it("a refusal names the allowed roles and what the peer presented", () => {
    assert.equal(peerRefusal(cert("crypto"), ["crypto"], "keystore"), undefined);
    assert.equal(
      peerRefusal(cert("gateway"), ["crypto"], "keystore"),
      "permission denied: the keystore service accepts only crypto peers, not role 'gateway'",
    );
    assert.equal(
      peerRefusal(cert("app"), ["gateway"], "crypto"),
      "permission denied: the crypto service accepts only gateway peers, not a certificate without a service role",
    );
  });

  it("the gatekeeper refuses new work while draining, but lets health through", async () => {
    const draining = new AbortController();
    draining.abort();
    const guard = gatekeeper({ draining: draining.signal, log: silentLogger() });
    const next = async () => ({ ok: true }) as never;
    const req = (service: string) =>
      ({
        service: { typeName: service },
        method: { name: "Get" },
        contextValues: createContextValues(),
      }) as never;
    await assert.rejects(guard(next)(req(KeyStoreService.typeName)), (err: unknown) => {
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Unavailable);
      assert.equal(err.rawMessage, "keystore service is shutting down");
      return true;
    });
    assert.deepEqual(await guard(next)(req(Health.typeName)), { ok: true });
  });
});

describe("keystore service: internal peer identity", {
  skip: !hasOpenssl() && "no openssl",
}, () => {
  let pki: RolePki;
  let server: KeyStoreServer;
  before(async () => {
    pki = makeRolePki();
    server = await serveKeyStore(createMemoryKeyStore(), {
      tls: { ...pki.keystore, ca: pki.ca },
      allowedPeers: ["crypto"],
    });
  });
  after(async () => {
    await server?.close();
    pki?.cleanup();
  });

  const client = (pair: RolePair, ca = pki.ca, host = "127.0.0.1") =>
    connectKeyStore({
      endpoint: `https://${host}:${server.port}`,
      tls: { ca, ...pair },
      serverRole: "keystore",
      timeoutMs: 5000,
    });

  it("serves a crypto peer", async () => {
    const store = client(pki.crypto);
    try {
      await store.create("role-ok", Uint8Array.of(1));
      assert.deepEqual(await store.get("role-ok"), Uint8Array.of(1));
    } finally {
      await store.close();
    }
  });

  it("refuses a gateway peer with PERMISSION_DENIED, naming the rule", async () => {
    const store = client(pki.gateway);
    try {
      await assert.rejects(store.get("role-ok"), (err: unknown) => {
        assert.ok(isKesError(err, "keystore_failure"), String(err));
        assert.match(
          err.message,
          /PERMISSION_DENIED: permission denied: the keystore service accepts only crypto peers, not role 'gateway'/,
        );
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it("refuses a peer whose certificate another CA issued, at the handshake", async () => {
    const store = client(pki.stranger);
    try {
      await assert.rejects(store.get("role-ok"), (err: unknown) => {
        assert.ok(isKesError(err, "keystore_failure"), String(err));
        assert.doesNotMatch(err.message, /PERMISSION_DENIED/);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it("lets any peer of the internal CA ask for health", async () => {
    const sessions = new Http2SessionManager(
      `https://127.0.0.1:${server.port}`,
      {},
      {
        ca: pki.ca,
        ...pki.gateway,
      },
    );
    try {
      const health = createClient(
        Health,
        createGrpcTransport({
          baseUrl: `https://127.0.0.1:${server.port}`,
          sessionManager: sessions,
        }),
      );
      assert.equal((await health.check({}, { timeoutMs: 5000 })).status, Serving.SERVING);
    } finally {
      sessions.abort();
    }
  });

  it("a client refuses a server without the keystore role or with the wrong name", async () => {
    const impostor = await serveKeyStore(createMemoryKeyStore(), {
      tls: { ...pki.crypto, ca: pki.ca },
    });
    const misnamed = await serveKeyStore(createMemoryKeyStore(), {
      tls: { ...pki.misnamed, ca: pki.ca },
    });
    try {
      for (const [target, reason] of [
        [impostor, /not a keystore service: its certificate carries the role 'crypto'/],
        [misnamed, /IP: 127\.0\.0\.1 is not in the cert's list/],
      ] as const) {
        const store = connectKeyStore({
          endpoint: `https://127.0.0.1:${target.port}`,
          tls: { ca: pki.ca, ...pki.crypto },
          serverRole: "keystore",
          timeoutMs: 5000,
        });
        try {
          await assert.rejects(store.get("k"), (err: unknown) => {
            assert.ok(isKesError(err, "keystore_failure"), String(err));
            assert.match(err.message, reason);
            return true;
          });
        } finally {
          await store.close();
        }
      }
    } finally {
      await impostor.close();
      await misnamed.close();
    }
  });

  it("serverRoleCheck checks the host name first, then the role", () => {
    const check = serverRoleCheck("crypto");
    const withSan = {
      subject: { CN: "crypto" },
      subjectaltname: "DNS:crypto, IP Address:127.0.0.1",
    } as unknown as PeerCertificate;
    assert.equal(check("crypto", withSan), undefined);
    assert.equal(check("127.0.0.1", withSan), undefined);
    assert.match(String(check("keystore", withSan)), /Hostname\/IP does not match/);
    const gateway = { ...withSan, subject: { CN: "gateway" } } as unknown as PeerCertificate;
    assert.match(String(check("crypto", gateway)), /carries the role 'gateway'/);
  });
});
