import { resolve } from "node:path";
import { silentLogger } from "@kes/core";
import { passwordGrant } from "./auth/routes.js";
import { VirtualClock } from "./clock.js";
import { serveControl } from "./control/routes.js";
import { FaultController } from "./faults/controller.js";
import { createPipeline } from "./http/pipeline.js";
import { ROUTES } from "./http/routes.js";
import { listen } from "./http/server.js";
import type { AppContext } from "./http/types.js";
import { RequestLog } from "./log/request-log.js";
import { checkOptions, type SimulatorOptions } from "./options.js";
import { applySettings, DEFAULT_SETTINGS, type SimSettings } from "./settings.js";
import { loadStateFile, saveStateFile } from "./state/persist.js";
import { SimState } from "./state/store.js";
import {
  createTlsMaterial,
  loadOrCreateTlsDir,
  TLS_FILES,
  type TlsMaterial,
  writeTlsDir,
} from "./tls/certificates.js";

export interface Simulator {
  /** Base URL, e.g. https://127.0.0.1:41234 (the KES `endpoint`). */
  readonly url: string;
  readonly port: number;
  /** The CA that signed the server certificate (TLS mode). */
  readonly caPem?: string;
  /** Where that CA was written (with `tlsDir`). */
  readonly caFile?: string;
  readonly state: SimState;
  /** Behaviour knobs; change them at any time. */
  readonly settings: SimSettings;
  readonly clock: VirtualClock;
  readonly faults: FaultController;
  readonly log: RequestLog;
  /** A password grant with a refresh token, in process (what `ksctl tokens create --issue-rt` does). */
  issueRefreshToken(user: string, password: string, domain?: string): Promise<string>;
  /** Fresh state (built-in admin only), no faults, empty log, clock offset 0, initial settings. */
  reset(): void;
  /** Stops the server and cuts every connection (hung ones too). Idempotent. */
  close(): Promise<void>;
}

async function resolveTls(
  options: SimulatorOptions,
  host: string,
): Promise<TlsMaterial | { certPem: string; keyPem: string; caPem?: string } | undefined> {
  const tls = options.tls ?? options.tlsDir !== undefined;
  if (tls === false) return undefined;
  if (tls === true) {
    return options.tlsDir === undefined
      ? createTlsMaterial(host)
      : loadOrCreateTlsDir(options.tlsDir, host);
  }
  if (options.tlsDir !== undefined && tls.caPem !== undefined) {
    await writeTlsDir(options.tlsDir, {
      caPem: tls.caPem,
      certPem: tls.certPem,
      keyPem: tls.keyPem,
    });
  }
  return tls;
}

/** Starts a CipherTrust Manager simulator. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  checkOptions(options);
  const host = options.host ?? "127.0.0.1";
  const clock = new VirtualClock(options.clock);
  const initialSettings: SimSettings = { ...DEFAULT_SETTINGS };
  if (options.settings !== undefined) applySettings(initialSettings, options.settings);
  if (options.jwtTtlSeconds !== undefined) initialSettings.jwtTtlSeconds = options.jwtTtlSeconds;
  const settings: SimSettings = { ...initialSettings };
  const logger = options.logger ?? silentLogger();
  const stateFile = options.stateFile;

  const state = new SimState({
    clock,
    settings,
    admin: options.adminUser ?? { username: "admin", password: "admin" },
    ...(stateFile === undefined ? {} : { onChange: () => saveStateFile(stateFile, state.data) }),
  });
  if (stateFile !== undefined) {
    const saved = loadStateFile(stateFile);
    if (saved === undefined) saveStateFile(stateFile, state.data);
    else state.load(saved);
  }

  const random = options.random ?? Math.random;
  const faults = new FaultController(random);
  const log = new RequestLog();
  const app: AppContext = { state, settings, clock };
  const closing = new AbortController();

  const issueRefreshToken = async (user: string, password: string, domain?: string) => {
    const body = passwordGrant(app, {
      username: user,
      password,
      issueRefreshToken: true,
      ...(domain === undefined ? {} : { domain }),
    });
    return body.refresh_token as string;
  };
  const reset = () => {
    state.reset();
    faults.clear();
    log.clear();
    clock.resetOffset();
    Object.assign(settings, initialSettings);
  };

  const tls = await resolveTls(options, host);
  const listening = await listen(
    createPipeline({
      app,
      routes: ROUTES,
      faults,
      log,
      logger,
      closing: closing.signal,
      random,
      control: (req) =>
        serveControl({ state, settings, clock, faults, log, reset, issueRefreshToken }, req),
    }),
    {
      host,
      port: options.port ?? 0,
      ...(tls === undefined ? {} : { tls: { certPem: tls.certPem, keyPem: tls.keyPem } }),
    },
  );
  logger.info({ url: listening.url }, "CipherTrust Manager simulator listening");

  let closed: Promise<void> | undefined;
  const caFile =
    options.tlsDir !== undefined && tls?.caPem !== undefined
      ? resolve(options.tlsDir, TLS_FILES.ca)
      : undefined;
  return {
    url: listening.url,
    port: listening.port,
    ...(tls?.caPem === undefined ? {} : { caPem: tls.caPem }),
    ...(caFile === undefined ? {} : { caFile }),
    state,
    settings,
    clock,
    faults,
    log,
    issueRefreshToken,
    reset,
    close: () => {
      closed ??= (async () => {
        closing.abort();
        await listening.close();
      })();
      return closed;
    },
  };
}
