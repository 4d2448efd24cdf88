import type { KesConfig, PolicyConfig } from "@kes/config";
import { silentLogger } from "@kes/core";
import type { Route } from "../http/types.js";
import { type Gateway, type GatewayOptions, startGateway } from "../server.js";
import type { TestPki } from "./certs.js";
import { createFakeCrypto, type FakeCrypto } from "./fake-crypto.js";

/** A gateway on 127.0.0.1:0 with the test PKI's server certificate and a crypto double. */

export const MY_APP_POLICY = {
  allow: ["/v1/key/create/my-app*", "/v1/key/generate/my-app*", "/v1/key/decrypt/my-app*"],
  deny: [],
};

export function testConfig(
  pki: TestPki,
  overrides: {
    admin?: string | null;
    policies?: Record<string, PolicyConfig>;
    ca?: string;
    api?: KesConfig["api"];
  } = {},
): KesConfig {
  return {
    file: "",
    address: "127.0.0.1:0",
    admin: overrides.admin === undefined ? pki.admin.identity : overrides.admin,
    tls: { key: "", cert: "", ...(overrides.ca === undefined ? {} : { ca: overrides.ca }) },
    cache: { expiry: { any: 300_000, unused: 30_000, offline: 0 } },
    log: { error: true, audit: false },
    api: overrides.api ?? {},
    policies: overrides.policies ?? {
      "my-app": { ...MY_APP_POLICY, identities: [pki.app.identity] },
    },
    keys: [],
    keystore: { kind: "memory" },
    warnings: [],
  };
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly crypto: FakeCrypto;
  readonly port: number;
  close(): Promise<void>;
}

export async function startTestGateway(
  pki: TestPki,
  options: {
    config?: KesConfig;
    auth?: "on" | "off";
    routes?: readonly Route[];
    crypto?: FakeCrypto;
    /** Load the server certificate from the config's tls.cert/tls.key files, not the test PKI. */
    configTls?: boolean;
    /** Any other gateway option (metrics registry, log-stream buffer, logger...). */
    extra?: Partial<GatewayOptions>;
  } = {},
): Promise<TestGateway> {
  const crypto = options.crypto ?? createFakeCrypto();
  const gateway = await startGateway({
    config: options.config ?? testConfig(pki),
    crypto,
    logger: silentLogger(),
    address: "127.0.0.1:0",
    auth: options.auth ?? "off",
    ...(options.configTls === true ? {} : { tls: pki.server }),
    version: { version: "test", commit: "abc" },
    ...(options.routes === undefined ? {} : { routes: options.routes }),
    ...options.extra,
  });
  return { gateway, crypto, port: gateway.port, close: () => gateway.close(1_000) };
}
