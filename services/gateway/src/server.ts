import { constants as cryptoConstants } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { rootCertificates, type TLSSocket } from "node:tls";
import type { KesConfig } from "@kes/config";
import { type CryptoApi, createLogger, type Logger } from "@kes/core";
import { Registry } from "prom-client";
import { formatAddress, parseAddress } from "./address.js";
import { applyApiSettings } from "./api-settings.js";
import { createLogStreams, type LogStreams } from "./events/streams.js";
import { answerByProtocol } from "./http/by-protocol.js";
import { H1Exchange } from "./http/h1-exchange.js";
import { H2Exchange } from "./http/h2-exchange.js";
import { createPipeline, type GatewayState } from "./http/pipeline.js";
import { createRouteTable } from "./http/route-table.js";
import type { Route, Services, VersionInfo } from "./http/types.js";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics/gateway-metrics.js";
import { compilePolicies } from "./policy.js";
import { createRefusalLog } from "./refusal-log.js";
import { ROUTES } from "./routes.js";
import { loadServerTls, type ServerTls } from "./tls.js";

export interface GatewayOptions {
  readonly config: KesConfig;
  /** The crypto service: in-process object or gRPC client; the gateway cannot tell. */
  readonly crypto: CryptoApi;
  readonly logger?: Logger;
  /** "host:port" (port 0 = any free port); overrides config.address. */
  readonly address?: string;
  /** Client certificate verification (KES's --auth). Default: config.tls.auth, else "on". */
  readonly auth?: "on" | "off";
  /** Server certificate and key as PEM; overrides the config's tls.cert/tls.key files. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  /** What /version reports. Default: this package's version, commit "<unknown>". */
  readonly version?: VersionInfo;
  /** The route table; default ROUTES. (Tests swap in rows with short timeouts.) */
  readonly routes?: readonly Route[];
  /**
   * The process's Prometheus registry, served at /v1/metrics. `kes server` passes one registry
   * to all three services so /v1/metrics shows them all. Default: a registry of its own.
   */
  readonly metrics?: Registry;
  /** Bytes a /v1/log/* client may leave unread before it is dropped. Default 1 MiB. */
  readonly logStreamBufferBytes?: number;
  /** Connection timeouts; each defaults to KES's (DEFAULT_TIMEOUTS). Tests use short ones. */
  readonly timeouts?: Partial<ConnectionTimeouts>;
}

/**
 * How long a connection may hold a socket without doing its part. None of them limits a
 * request in progress (that is its route's timeout) or a /v1/log/* stream, however quiet.
 */
export interface ConnectionTimeouts {
  /** From the TCP connection to the end of the TLS handshake. */
  readonly handshakeMs: number;
  /**
   * HTTP/1.1: to receive a request's headers, counted from the connection (or from the start of
   * the request on a kept-alive one).
   */
  readonly headersMs: number;
  /**
   * A connection with nothing in progress: an HTTP/1.1 keep-alive connection between requests,
   * an HTTP/2 session with no open stream (from its start or its last stream's end).
   */
  readonly idleMs: number;
}

export interface Gateway {
  /** "host:port" actually listened on. */
  readonly address: string;
  readonly port: number;
  /** The registry /v1/metrics serves. */
  readonly metrics: Registry;
  /**
   * Applies a new config (SIGHUP): policies, identities, admin, api.<path> settings, log.audit
   * and the TLS certificate, key and client CAs, all at once. Open connections and in-flight
   * requests carry on (a request keeps the rules it started under; new handshakes get the new
   * certificate), except an open /v1/log/* stream whose caller the new policies no longer
   * allow: it ends, as at shutdown. When the new config trusts fewer client CAs (one removed
   * from tls.ca, or auth turned on), every open connection is asked to reconnect (HTTP/2
   * GOAWAY, HTTP/1.1 `Connection: close`) once its requests are answered, so each client is
   * verified again under the new CAs; what is still open 30 s later is cut. Throws, changing
   * nothing, when the new config cannot be applied. The listen address and the keystore are
   * not the gateway's to change (see the caller).
   */
  reload(config: KesConfig): Promise<void>;
  /**
   * Stops accepting, ends the /v1/log/* streams, lets in-flight requests finish for up to
   * graceMs, then answers the rest 503 and cuts their connections. Resolves once every
   * connection has ended: only then may the caller close what the requests use (crypto).
   */
  close(graceMs?: number): Promise<void>;
}

// KES 2023 (kes-api.md §1.1): read-header 5 s, idle 90 s, TLS 1.2+, ECDHE + AEAD suites.
// (Go reads the TLS handshake within the read-header time; Node needs its own timeout.)
export const DEFAULT_TIMEOUTS: ConnectionTimeouts = {
  handshakeMs: 5_000,
  headersMs: 5_000,
  idleMs: 90_000,
};
const DEFAULT_GRACE_MS = 5_000;
const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
const TLS13_CIPHERS = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/** Starts the HTTPS KES API (HTTP/2 and HTTP/1.1) in front of `crypto`. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ name: "gateway" });
  const tls = await loadServerTls(config.tls, options.tls);
  const listen = parseAddress(options.address ?? config.address);
  const startedAt = Date.now();
  const registry = options.metrics ?? new Registry();
  const metrics = createGatewayMetrics(registry, startedAt);
  const streams = createLogStreams({
    auditToStdout: config.log.audit,
    onError: () => metrics.errorEvent(),
    ...(options.logStreamBufferBytes === undefined
      ? {}
      : { bufferLimit: options.logStreamBufferBytes }),
  });
  const fixed: Fixed = {
    crypto: metrics.instrumentCrypto(options.crypto),
    version: options.version ?? (await packageVersion()),
    logger,
    metrics,
    streams,
    startedAt,
    routes: options.routes ?? ROUTES,
  };
  let current = configure(fixed, config, options.auth);
  for (const warning of current.warnings) logger.warn(warning);
  const pipeline = createPipeline(() => current.state);
  const timeouts: ConnectionTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };

  const server = createSecureServer({
    ...secureContextOptions(tls),
    allowHTTP1: true,
    // Every client must present a certificate unless an API skips authentication;
    // "off" accepts any (identity + policy still apply). With "on" the certificate is checked
    // on 'secureConnection' below, not by Node at the handshake: there the refusal can be
    // logged with the client's address (Node's own check loses it).
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: timeouts.handshakeMs,
    settings: { maxConcurrentStreams: 250 },
  });
  // With auth on a certificate must verify (Go's RequireAndVerifyClientCert); with an API that
  // needs no certificate, it is optional but, when given, must verify (VerifyClientCertIfGiven).
  // This listener runs right after Node's HTTP/2 one set the connection up and before any of
  // its data is read, as Node's own rejectUnauthorized check would.
  const refusals = createRefusalLog(logger);
  server.on("secureConnection", (socket: TLSSocket) => {
    if (current.auth === "off" || socket.authorized) return;
    const given = socket.getPeerCertificate()?.raw !== undefined;
    if (!given && current.verifyIfGiven) return;
    refusals(
      socket.remoteAddress,
      given ? String(socket.authorizationError ?? "not verified") : "no client certificate",
    );
    socket.destroy();
  });
  const tracker = trackConnections(server, {
    closing: () => streams.end(),
    graceOver: () => pipeline.cutOff(),
  });
  const closing = (socket: Socket) => tracker.closing || tracker.retired(socket);
  answerByProtocol(server, {
    http2: (stream, headers) => pipeline.serve(new H2Exchange(stream, headers)),
    http1: (req, res) => pipeline.serve(new H1Exchange(req, res, closing)),
  });
  server.on("tlsClientError", (err) => logger.debug({ err: err.message }, "TLS handshake failed"));
  server.on("sessionError", (err) => logger.debug({ err: err.message }, "HTTP/2 session error"));
  configureHttp1Timeouts(server, timeouts);
  closeIdleSessions(server, timeouts.idleMs);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host === "" ? undefined : listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => logger.error({ err }, "gateway server error"));
  const port = (server.address() as AddressInfo).port;
  const address = formatAddress(listen.host === "" ? "0.0.0.0" : listen.host, port);
  logger.info({ address, auth: current.auth }, "gateway listening");

  let reloading: Promise<void> = Promise.resolve();
  let currentTls = tls;
  async function reload(next: KesConfig): Promise<void> {
    const nextTls = await loadServerTls(next.tls, options.tls);
    const configured = configure(fixed, next, options.auth); // throws on a bad config
    // Validates the new material too; until here nothing has changed.
    server.setSecureContext(secureContextOptions(nextTls));
    // Open connections were verified against the client CAs of their handshake. When the new
    // config trusts less (a CA removed, or auth turned on), they are asked to reconnect, so
    // that every client is checked under the new rules; adding a CA or changing policies
    // leaves them be.
    const trustsLess =
      configured.auth === "on" && (current.auth === "off" || removesCa(currentTls.ca, nextTls.ca));
    currentTls = nextTls;
    current = configured;
    if (trustsLess) {
      const asked = tracker.retire(RETIRE_MS);
      logger.info(
        { connections: asked },
        "client CAs reduced: open connections asked to reconnect",
      );
    }
    // Open /v1/log/* streams follow the new policies too: one no longer allowed ends now.
    pipeline.recheck();
    streams.setAuditToStdout(next.log.audit);
    for (const warning of configured.warnings) logger.warn(warning);
    logger.info({ auth: configured.auth }, "config reloaded");
  }
  return {
    address,
    port,
    metrics: registry,
    // One reload at a time, in order; a failed one leaves the previous config in force.
    reload(next) {
      const run = reloading.then(() => reload(next));
      reloading = run.catch(() => {});
      return run;
    },
    close: (graceMs = DEFAULT_GRACE_MS) => tracker.close(graceMs),
  };
}

/** What stays the same across reloads. */
interface Fixed extends Omit<Services, "policies" | "routes"> {
  readonly metrics: GatewayMetrics;
  readonly streams: LogStreams;
  /** The route table before the config's api.<path> settings. */
  readonly routes: readonly Route[];
}

interface Configured {
  readonly state: GatewayState;
  readonly auth: "on" | "off";
  /** Auth on, but some API skips authentication: a certificate is optional (verified if given). */
  readonly verifyIfGiven: boolean;
  readonly warnings: readonly string[];
}

/** Everything a config decides, built completely before it is swapped in. */
function configure(
  fixed: Fixed,
  config: KesConfig,
  authFlag: "on" | "off" | undefined,
): Configured {
  const auth = authFlag ?? config.tls.auth ?? "on";
  const api = applyApiSettings(fixed.routes, config.api);
  const services: Services = { ...fixed, policies: compilePolicies(config), routes: api.routes };
  return {
    state: { table: createRouteTable(api.routes), services },
    auth,
    verifyIfGiven: auth === "on" && api.anySkipAuth,
    warnings: api.warnings,
  };
}

function secureContextOptions(tls: ServerTls) {
  return {
    cert: tls.certPem,
    key: tls.keyPem,
    ...(tls.ca === undefined ? {} : { ca: [...tls.ca] }),
    minVersion: "TLSv1.2" as const,
    ciphers: `${TLS13_CIPHERS}:${TLS12_CIPHERS}`,
    ecdhCurve: "X25519:P-256:P-384:P-521",
    // TLS 1.2 renegotiation is refused, as Go's server does (Node would allow 3 in 10 min).
    secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
  };
}

/**
 * The HTTP/1.1 fallback reads these properties of the server object (Node's http semantics).
 * The headers timeout runs from the connection, so a client that connects and sends nothing is
 * cut after it. No socket inactivity timeout (server.setTimeout): it would also cut a quiet
 * /v1/log/* stream.
 */
function configureHttp1Timeouts(server: Http2SecureServer, timeouts: ConnectionTimeouts): void {
  const http1 = server as unknown as {
    headersTimeout: number;
    keepAliveTimeout: number;
    connectionsCheckingInterval: number;
  };
  http1.headersTimeout = timeouts.headersMs;
  http1.keepAliveTimeout = timeouts.idleMs;
  // How often the headers timeout is checked; Node's default (30 s) would make 5 s meaningless.
  http1.connectionsCheckingInterval = Math.min(1_000, Math.max(10, timeouts.headersMs / 5));
}

/**
 * HTTP/2 sessions with no open stream for `idleMs` are closed (GOAWAY), as Go's IdleTimeout
 * does. Node's own session timeout counts inactivity instead, which would also end a session
 * whose only stream is a quiet /v1/log/* follower.
 */
function closeIdleSessions(server: Http2SecureServer, idleMs: number): void {
  server.on("session", (session: ServerHttp2Session) => {
    let open = 0;
    const timer = setTimeout(() => {
      if (open === 0) session.close();
    }, idleMs);
    timer.unref();
    const streamClosed = () => {
      open -= 1;
      timer.refresh();
    };
    session.on("stream", (stream) => {
      open += 1;
      stream.once("close", streamClosed);
    });
    session.once("close", () => clearTimeout(timer));
  });
}

interface ConnectionTracker {
  readonly closing: boolean;
  close(graceMs: number): Promise<void>;
  /**
   * Asks every open connection to end (HTTP/2: GOAWAY; HTTP/1.1: idle ones close, busy ones
   * after their answer, which says `Connection: close`); in-flight requests finish. What is
   * still open after `graceMs` (a /v1/log/* stream) is cut. Returns how many were asked.
   */
  retire(graceMs: number): number;
  /** True for an HTTP/1.1 connection retire() asked to end. */
  retired(socket: Socket): boolean;
}

/** How long connections asked to reconnect by a reload may take to finish (then: cut). */
const RETIRE_MS = 30_000;

/** True when `next` lacks a CA that `previous` trusted (undefined: Node's default roots). */
function removesCa(previous: readonly string[] | undefined, next: readonly string[] | undefined) {
  const before = previous ?? rootCertificates;
  const after = new Set(next ?? rootCertificates);
  return before.some((ca) => !after.has(ca));
}

/** How long the 503s written when the grace period ends get before the connections are cut. */
const CUT_OFF_MS = 1_000;

interface CloseHooks {
  /** close() began (`closing` is set): the log streams end. */
  readonly closing: () => void;
  /** The grace period ended: requests still running are answered 503 now. */
  readonly graceOver: () => void;
}

/**
 * close(): stop accepting, let requests in flight finish and their connections end; when the
 * grace period ends, answer what still runs with 503 and cut every connection left a moment
 * later. Resolves once every connection is gone, so whatever the caller closes next (the
 * crypto client, the keystore) is no longer used by a request that can still be answered.
 */
function trackConnections(server: Http2SecureServer, hooks: CloseHooks): ConnectionTracker {
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  const tlsSockets = new Set<TLSSocket>();
  const retiredSockets = new WeakSet<Socket>();
  server.on("secureConnection", (socket: TLSSocket) => {
    tlsSockets.add(socket);
    socket.once("close", () => tlsSockets.delete(socket));
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const cut = () => {
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
  };
  let closed: Promise<void> | undefined;
  const tracker = {
    closing: false,
    close(graceMs: number): Promise<void> {
      if (closed !== undefined) return closed;
      tracker.closing = true;
      hooks.closing();
      closed = new Promise<void>((resolve) => {
        let timer = setTimeout(() => {
          hooks.graceOver();
          timer = setTimeout(cut, CUT_OFF_MS);
          timer.unref();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // HTTP/2: GOAWAY, in-flight streams finish. HTTP/1.1: idle sockets go now, busy ones
        // after their response (which then carries `Connection: close`: h1-exchange.ts).
        for (const session of sessions) session.close();
        (server as unknown as { closeIdleConnections(): void }).closeIdleConnections();
      });
      return closed;
    },
    retire(graceMs: number): number {
      const asked = [...tlsSockets];
      for (const socket of asked) retiredSockets.add(socket);
      for (const session of sessions) session.close();
      (server as unknown as { closeIdleConnections(): void }).closeIdleConnections();
      const timer = setTimeout(() => {
        for (const socket of asked) if (!socket.destroyed) socket.destroy();
      }, graceMs);
      timer.unref();
      return asked.length;
    },
    retired: (socket: Socket) => retiredSockets.has(socket),
  };
  return tracker;
}

async function packageVersion(): Promise<VersionInfo> {
  try {
    const text = await readFile(new URL("../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return { version: typeof version === "string" ? version : "<unknown>", commit: "<unknown>" };
  } catch {
    return { version: "<unknown>", commit: "<unknown>" };
  }
}
