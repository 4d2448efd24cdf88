import { CACHE_DEFAULTS, DEFAULT_ADDRESS, type KesConfig } from "@kes/config";
import { createSelfSignedCertificate, generateApiKey } from "@kes/identity";
import { interfaceAddresses } from "./server-banner.js";

/** Everything `kes server --dev` makes up instead of reading a config file. */
export interface DevSetup {
  readonly config: KesConfig;
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  readonly apiKey: string;
  readonly identity: string;
}

/**
 * A throwaway server: keys in memory, a self-signed ECDSA certificate for localhost and this
 * host's IPs, client certificates required but not verified, and a fresh admin API key
 * (kes-api.md §9.1, `--dev`).
 */
export async function devSetup(address = DEFAULT_ADDRESS): Promise<DevSetup> {
  const cert = await createSelfSignedCertificate({
    subject: "localhost",
    ip: interfaceAddresses(),
    dns: ["localhost"],
    usage: "server",
    keyType: "ecdsa-p256",
    validityDays: 30,
  });
  const { apiKey, identity } = generateApiKey();
  const config: KesConfig = {
    file: "",
    address,
    admin: identity,
    tls: { key: "", cert: "", auth: "off" },
    cache: { expiry: { any: CACHE_DEFAULTS.any, unused: CACHE_DEFAULTS.unused, offline: 0 } },
    log: { error: true, audit: false },
    api: {},
    policies: {},
    keys: [],
    keystore: { kind: "memory" },
    warnings: [],
  };
  return { config, tls: { certPem: cert.certPem, keyPem: cert.keyPem }, apiKey, identity };
}

/** The admin credentials and a ready-to-paste line for the client side. */
export function devCredentials(setup: DevSetup, endpoint: string): string {
  return [
    "\n",
    `${"API Key".padEnd(12)}${setup.apiKey}\n`,
    `${"Identity".padEnd(12)}${setup.identity}\n`,
    "\n",
    "Development mode: keys live in memory and are lost on exit. In another terminal:\n",
    `  export KES_SERVER=${endpoint} KES_API_KEY=${setup.apiKey}\n`,
    "  kes key create -k my-key\n",
    "\n",
  ].join("");
}
