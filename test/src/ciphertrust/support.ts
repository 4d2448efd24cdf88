/**
 * Shared set-up of the CipherTrust backend tests: a simulator (in process, HTTPS with its own
 * CA in a temp dir) prepared as the guide's ksctl steps leave it, and stores opened on it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Simulator, type SimulatorOptions, startSimulator } from "@kes/ciphertrust-sim";
import { createLogger, type KeyStore, type Logger } from "@kes/core";
import {
  type CipherTrustConfig,
  type CipherTrustOptions,
  openCipherTrustKeyStore,
} from "@kes/keystore-service";

export const GUIDE_ACTIONS = ["CreateKey", "ExportKey", "ReadKey", "DeleteKey"] as const;

export interface Cm {
  readonly sim: Simulator;
  readonly dir: string;
  /** The refresh token of the KES user (guide step 6). */
  refreshToken: string;
  /** Wipes the simulator and sets it up again as the guide does (a new refresh token). */
  reset(): Promise<void>;
  /** The config block pointing at the simulator, its CA and the refresh token. */
  config(overrides?: Partial<CipherTrustConfig>): CipherTrustConfig;
  /** Opens a store (closed by close()). */
  open(options?: CipherTrustOptions, overrides?: Partial<CipherTrustConfig>): Promise<KeyStore>;
  close(): Promise<void>;
}

export interface CmOptions {
  readonly sim?: SimulatorOptions;
  /** The KES policy's actions; default the guide's four. */
  readonly actions?: readonly string[];
}

/** A simulator set up as the guide's steps 1–6 leave a CipherTrust Manager. */
export async function startCm(options: CmOptions = {}): Promise<Cm> {
  const dir = await mkdtemp(join(tmpdir(), "kes-cm-"));
  const sim = await startSimulator({ tlsDir: join(dir, "tls"), ...options.sim });
  const stores: KeyStore[] = [];
  const setUp = async (): Promise<string> => {
    const group = sim.state.createGroup({ name: "KES-Service" });
    const user = sim.state.createUser({ username: "kes", password: "Kes-Passw0rd!" });
    sim.state.addMember(group.name, user.id);
    const policy = sim.state.createPolicy({
      name: "kes-policy",
      allow: true,
      actions: [...(options.actions ?? GUIDE_ACTIONS)],
      resources: ["kylo:kylo:vault:secrets:*"],
    });
    const selector = { cust: { groups: [group.name] } };
    sim.state.attach(policy.id, { groups: [group.name], users: [] }, selector);
    return sim.issueRefreshToken("kes", "Kes-Passw0rd!");
  };
  const cm: Cm = {
    sim,
    dir,
    refreshToken: await setUp(),
    reset: async () => {
      sim.reset();
      cm.refreshToken = await setUp();
    },
    config: (overrides = {}) => ({
      kind: "gemalto.keysecure",
      endpoint: sim.url,
      token: cm.refreshToken,
      domain: "",
      retryMs: 5_000,
      ...(sim.caFile === undefined ? {} : { ca: sim.caFile }),
      ...overrides,
    }),
    open: async (storeOptions = {}, overrides = {}) => {
      const store = await openCipherTrustKeyStore(cm.config(overrides), storeOptions);
      stores.push(store);
      return store;
    },
    close: async () => {
      for (const store of stores) await store.close().catch(() => {});
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cm;
}

/** A debug-level logger whose JSON lines a test can read. */
export function captureLogs(): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => lines.push(line) },
  });
  return { logger, lines, text: () => lines.join("") };
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const decode = (value: Uint8Array): string => new TextDecoder().decode(value);

/** The secret paths of the create route, for fault matchers. */
export const CREATE_PATH = "^/api/v1/vault/secrets/?$";
export const TOKEN_PATH = "^/api/v1/auth/tokens/?$";
export const EXPORT_PATH = "^/api/v1/vault/secrets/[^/]+/export/?$";
