import { setMaxListeners } from "node:events";
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { errors, type KeyStore, type Logger, MAX_VALUE_SIZE, silentLogger } from "@kes/core";
import { Health, KeyStoreService } from "@kes/proto";
import { gatekeeper, peerCertificateOf } from "./gatekeeper.js";
import { DEFAULT_HEALTH_INTERVAL_MS, healthImpl } from "./health.js";
import { keyStoreServiceImpl } from "./keystore-service.js";
import type { ServiceRole } from "./peer-role.js";
import { loadPem } from "./pem.js";

/** PEM text or file paths. Clients must present a certificate issued by `ca`. */
export interface KeyStoreServerTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface ServeKeyStoreOptions {
  /** Default "127.0.0.1". */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** TLS with mutual authentication. Without it the server speaks h2c: for tests only. */
  readonly tls?: KeyStoreServerTls;
  readonly logger?: Logger;
  /** How often health Watch streams re-check the backend; default 5 s. */
  readonly healthIntervalMs?: number;
  /**
   * With `tls`: the roles (the CN of a certificate from the internal CA) allowed to call the
   * keystore. Others get PERMISSION_DENIED; health stays open to any peer the CA vouches for.
   * Absent: any certificate issued by `ca`.
   */
  readonly allowedPeers?: readonly ServiceRole[];
}

export interface KeyStoreServer {
  /** "host:port" as bound, e.g. "127.0.0.1:41234" or "[::1]:41234". */
  readonly address: string;
  readonly port: number;
  /**
   * Stops accepting calls, lets running ones finish for up to `graceMs` (default 5 s). From the
   * start of the close, health answers NOT_SERVING and new calls UNAVAILABLE.
   */
  close(graceMs?: number): Promise<void>;
}

/** A whole value plus the name and framing; larger requests are refused before decoding. */
const READ_MAX_BYTES = MAX_VALUE_SIZE + 64 * 1024;
const DEFAULT_GRACE_MS = 5_000;

/**
 * Serves kes.keystore.v1.KeyStoreService and grpc.health.v1.Health over HTTP/2: the gRPC
 * protocol for any gRPC client, plus Connect and gRPC-Web (handy for curl).
 */
export async function serveKeyStore(
  store: KeyStore,
  options: ServeKeyStoreOptions = {},
): Promise<KeyStoreServer> {
  const log = options.logger ?? silentLogger();
  const stopWatching = new AbortController();
  const shutdown = new AbortController();
  // Every call in flight listens to these; many concurrent calls are normal, not a leak.
  setMaxListeners(0, stopWatching.signal, shutdown.signal);
  const handler = connectNodeAdapter({
    readMaxBytes: READ_MAX_BYTES,
    shutdownSignal: shutdown.signal,
    contextValues: peerCertificateOf,
    interceptors: [
      gatekeeper({
        // Peer roles are only known, and only checked, over TLS.
        ...(options.tls === undefined || options.allowedPeers === undefined
          ? {}
          : { allowedPeers: options.allowedPeers }),
        draining: stopWatching.signal,
        log,
      }),
    ],
    routes(router) {
      router.service(KeyStoreService, keyStoreServiceImpl(store, log));
      router.service(
        Health,
        healthImpl(store, log, {
          intervalMs: options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
          stopping: stopWatching.signal,
        }),
      );
    },
  });

  const server: Http2Server | Http2SecureServer =
    options.tls === undefined
      ? createServer(handler)
      : createSecureServer(
          {
            cert: loadPem(options.tls.cert, "cert"),
            key: loadPem(options.tls.key, "key"),
            ca: loadPem(options.tls.ca, "ca"),
            requestCert: true,
            rejectUnauthorized: true,
            // Connect and gRPC-Web also work over HTTP/1.1 (curl without --http2).
            allowHTTP1: true,
          },
          handler,
        );
  if (options.tls === undefined) {
    log.warn("keystore service without TLS (h2c): for tests only");
  }

  const sessions = new Set<Http2Session>();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  // A request refused before its body was read (too large) keeps its stream half open, waiting
  // for a body nobody reads; a graceful close ends those (answered already) instead of waiting
  // out the grace time. destroy() resets them with NO_ERROR; close() would wait for the body.
  const streams = new Set<ServerHttp2Stream>();
  server.on("stream", (stream: ServerHttp2Stream) => {
    streams.add(stream);
    stream.once("close", () => streams.delete(stream));
  });
  // Raw sockets too: HTTP/1.1 (Connect, gRPC-Web) connections are not HTTP/2 sessions.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (err: Error) => {
    log.debug({ err }, "keystore service: TLS handshake failed");
  });

  await listen(server, options.host ?? "127.0.0.1", options.port ?? 0);
  // After start, a failing connection must not take the service down: log it and go on.
  server.on("error", (err: Error) => log.error({ err }, "keystore service: server error"));
  server.on("sessionError", (err: Error) => log.debug({ err }, "keystore service: session error"));
  const bound = server.address() as AddressInfo;
  const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  log.info(
    { address: `${host}:${bound.port}`, tls: options.tls !== undefined },
    "keystore service listening",
  );

  let closing: Promise<void> | undefined;
  return {
    address: `${host}:${bound.port}`,
    port: bound.port,
    close(graceMs = DEFAULT_GRACE_MS) {
      closing ??= shutDown(
        server,
        { sessions, streams, sockets },
        { stopWatching, shutdown, graceMs },
      );
      return closing;
    },
  };
}

function listen(
  server: Http2Server | Http2SecureServer,
  host: string,
  port: number,
): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(errors.invalidArgument(`invalid argument: port ${port} is out of range`));
  }
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      const code = (err as { code?: unknown }).code;
      reject(
        new Error(
          `keystore service: cannot listen on ${host}:${port}: ${String(code ?? err.message)}`,
          { cause: err },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

async function shutDown(
  server: Http2Server | Http2SecureServer,
  open: { sessions: Set<Http2Session>; streams: Set<ServerHttp2Stream>; sockets: Set<Socket> },
  control: { stopWatching: AbortController; shutdown: AbortController; graceMs: number },
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Watch streams never end by themselves; unary calls in flight are let finish.
  control.stopWatching.abort();
  for (const stream of open.streams) {
    if (stream.writableFinished) stream.destroy();
  }
  for (const session of open.sessions) session.close();
  const grace = new Promise<"late">((resolve) => {
    setTimeout(() => resolve("late"), Math.max(0, control.graceMs)).unref();
  });
  if ((await Promise.race([closed, grace])) === "late") {
    control.shutdown.abort();
    for (const session of open.sessions) session.destroy();
    for (const socket of open.sockets) socket.destroy();
    await closed;
  }
}
