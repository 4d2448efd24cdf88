/**
 * A throwaway HTTPS server for the client's tests: HTTP/2 with HTTP/1.1 fallback (or HTTP/1.1
 * only), requesting but not verifying client certificates, like `kes server --auth=off`.
 * Each request is recorded; a handler decides the reply.
 */
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { createSecureServer, type Http2ServerRequest, type Http2Session } from "node:http2";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { identityOfCertificate } from "@kes/identity";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, exactly as received. */
  readonly path: string;
  readonly httpVersion: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** Identity of the client certificate, if one was presented. */
  readonly identity: string | undefined;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Written one after another, each flushed: a streamed body. */
  readonly chunks?: readonly string[];
  /** Pause before each chunk, ms (a stream whose events trickle in). */
  readonly chunkDelayMs?: number;
  /** After the chunks, keep the response open until the client leaves or the server closes. */
  readonly keepOpen?: boolean;
  /** After the chunks, break the connection instead of ending the response. */
  readonly destroyAfterChunks?: boolean;
  /**
   * After the chunks, close the TCP connection with no HTTP/2 reset or GOAWAY, as a server that
   * is killed (kill -9) does: the client sees the connection end, nothing else.
   */
  readonly hangUpAfterChunks?: boolean;
  /** Never answer (the client's deadline must fire). */
  readonly hang?: boolean;
  /** Break the connection instead of answering. */
  readonly destroy?: boolean;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface TestServer {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** TLS connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly certPem: string;
  readonly keyPem: string;
  /** Serve HTTP/1.1 only (no h2 in ALPN). */
  readonly http1Only?: boolean;
}

type AnyRequest = Http2ServerRequest | IncomingMessage;
type AnyResponse = {
  writeHead(status: number, headers?: Record<string, string>): unknown;
  flushHeaders?(): void;
  write(chunk: string): unknown;
  end(chunk: string): unknown;
};

function breakConnection(req: AnyRequest): void {
  if ("stream" in req) req.stream.close(2 /* NGHTTP2_INTERNAL_ERROR */);
  else req.socket.destroy();
}

function peerIdentity(req: AnyRequest): string | undefined {
  const socket = req.socket as TLSSocket;
  const cert = socket.getPeerCertificate?.();
  return cert?.raw === undefined ? undefined : identityOfCertificate(new Uint8Array(cert.raw));
}

export async function startTestServer(
  handler: Handler,
  options: TestServerOptions,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  let connections = 0;

  const onRequest = async (req: AnyRequest, res: AnyResponse) => {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      httpVersion: req.httpVersion,
      headers: req.headers,
      body,
      identity: peerIdentity(req),
    };
    requests.push(recorded);
    const reply = await handler(recorded);
    if (reply.hang) return;
    if (reply.destroy) {
      breakConnection(req);
      return;
    }
    res.writeHead(reply.status ?? 200, { ...reply.headers });
    if (reply.chunks !== undefined && "flushHeaders" in res) res.flushHeaders();
    for (const chunk of reply.chunks ?? []) {
      if (reply.chunkDelayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
      }
      res.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (reply.destroyAfterChunks) {
      breakConnection(req);
      return;
    }
    if (reply.hangUpAfterChunks) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (const socket of sockets) socket.destroy();
      return;
    }
    if (reply.keepOpen) return;
    res.end(reply.body ?? "");
  };

  const tls = {
    cert: options.certPem,
    key: options.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
  };
  const server: HttpsServer | ReturnType<typeof createSecureServer> = options.http1Only
    ? createHttpsServer(tls, (req, res) => void onRequest(req, res))
    : createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => void onRequest(req, res));
  server.on("secureConnection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `https://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    async close() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A local port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
