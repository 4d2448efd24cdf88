import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect as h2connect, type IncomingHttpHeaders } from "node:http2";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KesConfig, parseConfig } from "@kes/config";
import { type Logger, silentLogger } from "@kes/core";
import { createCryptoService } from "@kes/crypto-service";
import { type Gateway, startGateway } from "@kes/gateway";
import { type CertificateMaterial, createSelfSignedCertificate } from "@kes/identity";
import { openKeyStore } from "@kes/keystore-service";

/**
 * The whole KES stack in-process, as `kes server` wires it: keystore (from the config) ->
 * crypto service -> gateway on 127.0.0.1:0, with throwaway certificates in a temp dir.
 */

export interface StackOptions {
  /**
   * The KES config file text. `${<NAME>_IDENTITY}` expands to the identity of the client
   * certificate <name> (e.g. APP_IDENTITY for "app"); relative paths resolve in the stack's
   * temp dir, which holds `server.key` and `server.cert`. The address is always 127.0.0.1:0.
   * Default: admin = the "admin" client, no policies, in-memory keystore.
   */
  readonly config?: string;
  /** Client certificates to make (self-signed Ed25519), by name. Default ["admin", "app"]. */
  readonly clients?: readonly string[];
  /** KES's --auth. Default "off" (the clients' certificates are self-signed). */
  readonly auth?: "on" | "off";
  readonly logger?: Logger;
}

export interface StackCerts {
  /** The server's certificate (SANs 127.0.0.1, localhost) and key. */
  readonly server: CertificateMaterial;
  readonly clients: Readonly<Record<string, CertificateMaterial>>;
}

export interface StackRequest {
  readonly method: string;
  readonly path: string;
  /** Sent as is. */
  readonly body?: string | Buffer;
  /** Default "h2". */
  readonly protocol?: "h2" | "http/1.1";
}

export interface StackResponse {
  readonly status: number;
  /** null when the response has no Content-Type. */
  readonly contentType: string | null;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface Stack {
  /** e.g. https://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** The temp dir holding the config, the server certificate and any fs keystore. */
  readonly dir: string;
  readonly certs: StackCerts;
  readonly config: KesConfig;
  /** One request as client `as` (a name from `clients`), or without a certificate. */
  request(as: string | undefined, request: StackRequest): Promise<StackResponse>;
  close(): Promise<void>;
}

const DEFAULT_CONFIG = `
address: 127.0.0.1:0
admin:
  identity: \${ADMIN_IDENTITY}
tls:
  key: ./server.key
  cert: ./server.cert
`;

const REQUEST_TIMEOUT_MS = 10_000;

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), "kes-stack-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const certs = await makeCerts(options.clients ?? ["admin", "app"]);
    await writeFile(join(dir, "server.cert"), certs.server.certPem);
    await writeFile(join(dir, "server.key"), certs.server.keyPem, { mode: 0o600 });
    const env: Record<string, string> = {};
    for (const [name, cert] of Object.entries(certs.clients)) {
      env[`${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_IDENTITY`] = cert.identity;
    }
    const text = options.config ?? DEFAULT_CONFIG;
    const file = join(dir, "config.yml");
    await writeFile(file, text);
    const config = parseConfig(text, { file, env });

    const logger = options.logger ?? silentLogger();
    const keystore = await openKeyStore(config.keystore, { logger });
    cleanups.push(() => keystore.close());
    const crypto = createCryptoService({ keystore, cache: config.cache.expiry, logger });
    cleanups.push(() => crypto.close());
    const gateway: Gateway = await startGateway({
      config,
      crypto,
      logger,
      address: "127.0.0.1:0",
      auth: options.auth ?? "off",
    });
    cleanups.push(() => gateway.close(1_000));

    return {
      url: `https://127.0.0.1:${gateway.port}`,
      port: gateway.port,
      dir,
      certs,
      config,
      request(as, request) {
        const cert = as === undefined ? undefined : certs.clients[as];
        if (as !== undefined && cert === undefined) {
          return Promise.reject(new Error(`startStack: no client certificate named '${as}'`));
        }
        return request.protocol === "http/1.1"
          ? h1(gateway.port, cert, request)
          : h2(gateway.port, cert, request);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function makeCerts(names: readonly string[]): Promise<StackCerts> {
  const server = await createSelfSignedCertificate({
    subject: "localhost",
    ip: ["127.0.0.1"],
    dns: ["localhost"],
    usage: "server",
    keyType: "ecdsa-p256",
  });
  const clients: Record<string, CertificateMaterial> = {};
  for (const name of names) {
    clients[name] = await createSelfSignedCertificate({ subject: name, usage: "client" });
  }
  return { server, clients };
}

type Cert = CertificateMaterial | undefined;

function contentTypeOf(headers: Record<string, string | string[] | undefined>): string | null {
  const ct = headers["content-type"];
  return typeof ct === "string" ? ct : null;
}

function h2(port: number, cert: Cert, spec: StackRequest): Promise<StackResponse> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`https://127.0.0.1:${port}`, {
      rejectUnauthorized: false,
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    });
    const timer = setTimeout(
      () => fail(new Error(`${spec.method} ${spec.path}: no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS,
    );
    function fail(err: Error) {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    }
    session.on("error", fail);
    const stream = session.request({ ":method": spec.method, ":path": spec.path });
    let headers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", fail);
    stream.on("end", () => {
      if (headers === undefined) {
        fail(new Error(`${spec.method} ${spec.path}: stream ended without an answer`));
        return;
      }
      clearTimeout(timer);
      session.close();
      const { ":status": status, ...rest } = headers;
      resolve({
        status: Number(status),
        contentType: contentTypeOf(rest),
        headers: rest,
        body: Buffer.concat(chunks).toString("utf8"),
      });
    });
    stream.end(spec.body);
  });
}

function h1(port: number, cert: Cert, spec: StackRequest): Promise<StackResponse> {
  return new Promise((resolve, reject) => {
    // Node's https typings omit ALPNProtocols, which it passes on to tls.connect.
    const options: RequestOptions & { ALPNProtocols: string[] } = {
      host: "127.0.0.1",
      port,
      method: spec.method,
      path: spec.path,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    };
    const req = httpsRequest(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: contentTypeOf(res.headers),
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${spec.method} ${spec.path}: timeout`)));
    req.on("error", reject);
    req.end(spec.body);
  });
}
