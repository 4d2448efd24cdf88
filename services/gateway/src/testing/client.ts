import type { IncomingHttpHeaders as H1Headers } from "node:http";
import { connect as h2connect, type IncomingHttpHeaders } from "node:http2";
import { type Agent, request as httpsRequest, type RequestOptions } from "node:https";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** Minimal HTTPS clients for gateway tests: HTTP/2 and HTTP/1.1, any client certificate. */

export interface ClientCert {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly contentType: string | null;
  readonly body: string;
}

export interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

const TIMEOUT_MS = 10_000;

function contentType(headers: Record<string, string | string[] | undefined>): string | null {
  const ct = headers["content-type"];
  return typeof ct === "string" ? ct : null;
}

/** One request over a fresh HTTP/2 connection. */
export function h2request(
  port: number,
  cert: ClientCert | undefined,
  spec: RequestSpec,
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`https://127.0.0.1:${port}`, {
      rejectUnauthorized: false,
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`h2 ${spec.method} ${spec.path}: no answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    session.on("error", fail);
    const stream = session.request({
      ":method": spec.method,
      ":path": spec.path,
      ...(spec.headers ?? {}),
    });
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", fail);
    stream.on("end", () => {
      clearTimeout(timer);
      session.close();
      if (headers[":status"] === undefined) {
        reject(new Error(`h2 ${spec.method} ${spec.path}: stream ended without an answer`));
        return;
      }
      const { ":status": status, ...rest } = headers;
      resolve({
        status: Number(status),
        headers: rest,
        contentType: contentType(rest),
        body: Buffer.concat(chunks).toString("utf8"),
      });
    });
    stream.end(spec.body);
  });
}

/** One request over HTTP/1.1 (ALPN http/1.1), connection closed afterwards. */
export function h1request(
  port: number,
  cert: ClientCert | undefined,
  spec: RequestSpec,
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    // Node's https typings omit ALPNProtocols, which it passes on to tls.connect.
    const options: RequestOptions & { ALPNProtocols: string[] } = {
      host: "127.0.0.1",
      port,
      method: spec.method,
      path: spec.path,
      headers: { connection: "close", ...(spec.headers ?? {}) },
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      agent: false,
      timeout: TIMEOUT_MS,
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    };
    const req = httpsRequest(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          contentType: contentType(res.headers),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`h1 ${spec.method} ${spec.path}: timeout`)));
    req.on("error", reject);
    req.end(spec.body);
  });
}

/**
 * A bare TLS handshake: resolves with the negotiated protocol, or rejects with the handshake
 * error (a server that requires verified certificates refuses bad ones here).
 */
export async function handshake(port: number, cert: ClientCert | undefined): Promise<string> {
  // TLS 1.3: the server's verdict on our certificate arrives after the handshake, so ask for
  // something and see whether the connection survives.
  const answer = await rawHttp1(
    port,
    cert,
    "GET /version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
  );
  return answer.split("\r\n")[0] ?? "";
}

/**
 * Writes `request` as it is over a fresh TLS connection (ALPN http/1.1) and resolves with
 * everything the server sent once it closes: for request targets an HTTP client would not send.
 */
export function rawHttp1(
  port: number,
  cert: ClientCert | undefined,
  request: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error("no answer within the timeout")));
    socket.on("secureConnect", () => socket.write(request));
    let data = "";
    socket.on("data", (d: Buffer) => {
      data += d.toString("utf8");
    });
    // A server that refuses the certificate after a TLS 1.3 handshake just hangs up.
    socket.on("end", () =>
      data === "" ? reject(new Error("closed without an answer")) : resolve(data),
    );
    socket.on("error", reject);
  });
}

/** A GET over HTTP/1.1 that resolves once the head is in; `ended` once the body is complete. */
export function streamingGet(
  agent: Agent,
  port: number,
  cert: ClientCert,
  path: string,
): Promise<{ status: number; headers: H1Headers; ended: Promise<void>; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const options = {
      host: "127.0.0.1",
      port,
      path,
      agent,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      cert: cert.certPem,
      key: cert.keyPem,
      timeout: TIMEOUT_MS,
    };
    const req = httpsRequest(options, (res) => {
      res.resume();
      const ended = new Promise<void>((done, fail) => {
        res.on("end", done);
        res.on("aborted", () => fail(new Error("the response was cut")));
        res.on("error", fail);
      });
      ended.catch(() => {});
      resolve({ status: res.statusCode ?? 0, headers: res.headers, ended, socket: res.socket });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
