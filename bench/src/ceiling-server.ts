/**
 * The CEILING: the least a KES generate/decrypt can cost in Node on this machine. One file,
 * no framework, no product code: HTTPS with HTTP/2 (and HTTP/1.1 through ALPN), mutual TLS,
 * the caller's identity once per connection, the JSON body, base64, HMAC-SHA256 key derivation,
 * AES-256-GCM and KES's MessagePack ciphertext (kes-api.md §6.3, §6.5), a JSON reply. It is
 * the bench's own minimal reference: `kes server` is measured against it.
 *
 *   node ceiling-server.js --cert F --key F --ca F [--addr 127.0.0.1:0] [--admin ID]
 *                          [--create NAME]... [--h2-api stream|compat]
 *
 * Prints "ceiling listening on https://HOST:PORT" when ready; stops on SIGTERM/SIGINT.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomFillSync,
  X509Certificate,
} from "node:crypto";
import { readFileSync } from "node:fs";
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export interface CeilingOptions {
  readonly certPem: string;
  readonly keyPem: string;
  /** CA certificate(s) that client certificates must chain to. */
  readonly caPem: string;
  /** "host:port"; default 127.0.0.1:0. */
  readonly address?: string;
  /** Only this identity may call the key APIs (KES's admin); unset: any verified client. */
  readonly admin?: string;
  /** Keys created at startup (like KES's `keys:`). */
  readonly create?: readonly string[];
  /**
   * HTTP/2 API: "stream" (the core API, the fastest Node offers) or "compat" (the
   * request/response API that HTTP/1.1 uses too, and that the gateway uses).
   */
  readonly h2Api?: "stream" | "compat";
}

export interface Ceiling {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface MasterKey {
  readonly key: Buffer;
  /** hex of SHA-256(key)[0:16], ASCII bytes as written into ciphertexts */
  readonly id: Buffer;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

const MAX_BODY = 1 << 20;
const ALGORITHM = Buffer.from("AES256-GCM_SHA256", "latin1");
const EMPTY = Buffer.alloc(0);
const NAME = /^[0-9A-Za-z_-]{1,80}$/;
const NOT_AUTHENTIC = error(400, "decryption failed: ciphertext is not authentic");

function error(status: number, message: string): Answer {
  return { status, body: `${JSON.stringify({ message })}\n` };
}

function newKey(bytes: Buffer): MasterKey {
  const id = createHash("sha256").update(bytes).digest().subarray(0, 16).toString("hex");
  return { key: bytes, id: Buffer.from(id, "latin1") };
}

// --- KES's MessagePack ciphertext: a fixed layout, written and read by hand ---------------

/** [fixstr alg, str8 id, bin8 iv, bin8 nonce, bin ciphertext‖tag] */
function writeCiphertext(id: Buffer, iv: Buffer, nonce: Buffer, sealed: Buffer): Buffer {
  const n = sealed.length;
  const binHeader = n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  const out = Buffer.allocUnsafe(1 + 18 + 34 + 18 + 14 + binHeader + n);
  let at = 0;
  out[at++] = 0x95;
  out[at++] = 0xa0 | ALGORITHM.length;
  at += ALGORITHM.copy(out, at);
  out[at++] = 0xd9;
  out[at++] = id.length;
  at += id.copy(out, at);
  out[at++] = 0xc4;
  out[at++] = iv.length;
  at += iv.copy(out, at);
  out[at++] = 0xc4;
  out[at++] = nonce.length;
  at += nonce.copy(out, at);
  if (n < 0x100) {
    out[at++] = 0xc4;
    out[at++] = n;
  } else if (n < 0x10000) {
    out[at++] = 0xc5;
    out.writeUInt16BE(n, at);
    at += 2;
  } else {
    out[at++] = 0xc6;
    out.writeUInt32BE(n, at);
    at += 4;
  }
  sealed.copy(out, at);
  return out;
}

/** The iv, nonce and sealed bytes of a ciphertext for `id`; undefined if it is not one. */
function readCiphertext(
  bytes: Buffer,
  id: Buffer,
): { iv: Buffer; nonce: Buffer; sealed: Buffer } | undefined {
  const fixed = 1 + 18 + 34 + 18 + 14;
  if (bytes.length < fixed + 2 || bytes[0] !== 0x95 || bytes[1] !== (0xa0 | ALGORITHM.length)) {
    return undefined;
  }
  if (!bytes.subarray(2, 19).equals(ALGORITHM) || bytes[19] !== 0xd9 || bytes[20] !== 32) {
    return undefined;
  }
  if (!bytes.subarray(21, 53).equals(id)) return undefined;
  if (bytes[53] !== 0xc4 || bytes[54] !== 16 || bytes[71] !== 0xc4 || bytes[72] !== 12) {
    return undefined;
  }
  const iv = bytes.subarray(55, 71);
  const nonce = bytes.subarray(73, 85);
  let at = fixed;
  const tag = bytes[at++];
  let n: number;
  if (tag === 0xc4) n = bytes[at++] as number;
  else if (tag === 0xc5 && bytes.length >= at + 2) {
    n = bytes.readUInt16BE(at);
    at += 2;
  } else if (tag === 0xc6 && bytes.length >= at + 4) {
    n = bytes.readUInt32BE(at);
    at += 4;
  } else return undefined;
  if (bytes.length !== at + n || n < 16) return undefined;
  return { iv, nonce, sealed: bytes.subarray(at) };
}

// --- the AES work ----------------------------------------------------------------------

/**
 * CSPRNG bytes drawn 4 KiB at a time (a randomBytes() call costs about as much as a 4 KiB
 * fill), each handed out once; a used block is dropped, never refilled. What the cheapest
 * Node server would do, and what the crypto service does.
 */
class RandomBlocks {
  private block = Buffer.alloc(0);
  private used = 0;

  draw(size: number): Buffer {
    if (this.used + size > this.block.length) {
      this.block = randomFillSync(Buffer.allocUnsafeSlow(4096));
      this.used = 0;
    }
    const view = this.block.subarray(this.used, this.used + size);
    this.used += size;
    return view;
  }
}

const publicRandom = new RandomBlocks();
const secretRandom = new RandomBlocks();

/** A DEK: copied out of its block into a buffer of its own. */
function newDek(): Buffer {
  const dek = Buffer.allocUnsafeSlow(32);
  secretRandom.draw(32).copy(dek);
  return dek;
}

function seal(master: MasterKey, plaintext: Buffer, aad: Buffer): Buffer {
  const random = publicRandom.draw(28);
  const iv = random.subarray(0, 16);
  const nonce = random.subarray(16);
  const key = createHmac("sha256", master.key).update(iv).digest();
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  if (aad.length > 0) cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  cipher.final();
  const sealed = Buffer.concat([head, cipher.getAuthTag()]);
  return writeCiphertext(master.id, iv, nonce, sealed);
}

function open(master: MasterKey, ciphertext: Buffer, aad: Buffer): Buffer | undefined {
  const parts = readCiphertext(ciphertext, master.id);
  if (parts === undefined) return undefined;
  const key = createHmac("sha256", master.key).update(parts.iv).digest();
  const decipher = createDecipheriv("aes-256-gcm", key, parts.nonce);
  const split = parts.sealed.length - 16;
  decipher.setAuthTag(parts.sealed.subarray(split));
  if (aad.length > 0) decipher.setAAD(aad);
  const head = decipher.update(parts.sealed.subarray(0, split));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return head;
}

// --- the API ---------------------------------------------------------------------------

function parseBody(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.length === 0 ? "{}" : body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function bytesField(obj: Record<string, unknown>, name: string): Buffer | undefined {
  const value = obj[name];
  if (value === undefined || value === null) return EMPTY;
  return typeof value === "string" ? Buffer.from(value, "base64") : undefined;
}

function handle(keys: Map<string, MasterKey>, method: string, path: string, body: Buffer): Answer {
  if (method === "GET" && path === "/version") {
    return { status: 200, body: '{"version":"ceiling","commit":""}\n' };
  }
  const match = /^\/v1\/key\/(create|import|generate|decrypt)\/(.*)$/.exec(path);
  if (match === null) return error(501, "not implemented");
  if (method !== "POST" && method !== "PUT") return error(405, "Method Not Allowed");
  const [, api, name = ""] = match;
  if (!NAME.test(name)) return error(400, "invalid argument: invalid key name");
  if (api === "create") {
    if (keys.has(name)) return error(400, "key already exists");
    keys.set(name, newKey(randomBytes(32)));
    return { status: 200, body: "" };
  }
  const req = parseBody(body);
  if (req === undefined) return error(400, "invalid request body");
  if (api === "import") {
    const bytes = bytesField(req, "bytes");
    if (bytes?.length !== 32) return error(400, "invalid key size");
    if (keys.has(name)) return error(400, "key already exists");
    keys.set(name, newKey(bytes));
    return { status: 200, body: "" };
  }
  const master = keys.get(name);
  if (master === undefined) return error(404, "key does not exist");
  const context = bytesField(req, "context");
  if (context === undefined) return error(400, "invalid request body");
  if (api === "generate") {
    const dek = newDek();
    const ciphertext = seal(master, dek, context);
    return {
      status: 200,
      body: `{"plaintext":"${dek.toString("base64")}","ciphertext":"${ciphertext.toString("base64")}"}\n`,
    };
  }
  const ciphertext = bytesField(req, "ciphertext");
  if (ciphertext === undefined) return error(400, "invalid request body");
  const plaintext = open(master, ciphertext, context);
  if (plaintext === undefined) return NOT_AUTHENTIC;
  return { status: 200, body: `{"plaintext":"${plaintext.toString("base64")}"}\n` };
}

/** The caller's KES identity: hex SHA-256 of its certificate's SubjectPublicKeyInfo. */
function identityOf(socket: TLSSocket): string | undefined {
  const raw = socket.getPeerCertificate?.()?.raw;
  if (raw === undefined) return undefined;
  const spki = new X509Certificate(raw).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}

export async function startCeiling(options: CeilingOptions): Promise<Ceiling> {
  const keys = new Map<string, MasterKey>();
  for (const name of options.create ?? []) keys.set(name, newKey(randomBytes(32)));
  // Identity once per connection (HTTP/2 session or HTTP/1.1 socket), as a real server must.
  const identities = new WeakMap<object, string | undefined>();
  const authorized = (connection: object, socket: TLSSocket): boolean => {
    if (!identities.has(connection)) identities.set(connection, identityOf(socket));
    const identity = identities.get(connection);
    return identity !== undefined && (options.admin === undefined || identity === options.admin);
  };
  const answer = (
    connection: object,
    socket: TLSSocket,
    method: string,
    path: string,
    body: Buffer,
  ) =>
    path !== "/version" && !authorized(connection, socket)
      ? error(403, "not authorized: insufficient permissions")
      : handle(keys, method, path, body);

  const server: Http2SecureServer = createSecureServer({
    cert: options.certPem,
    key: options.keyPem,
    ca: options.caPem,
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: true,
    settings: { maxConcurrentStreams: 250 },
  });
  // Every open connection, so close() can end keep-alive clients instead of waiting on them.
  const sockets = new Set<TLSSocket>();
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const h2Api = options.h2Api ?? "stream";
  if (h2Api === "stream") {
    // Without this, adding a 'request' listener (for HTTP/1.1) would also route every HTTP/2
    // stream through the compat layer; we answer HTTP/2 streams ourselves below.
    server.removeAllListeners("newListener");
    server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      const method = String(headers[constants.HTTP2_HEADER_METHOD]);
      const path = String(headers[constants.HTTP2_HEADER_PATH]);
      readAll(stream, (body) => {
        const out =
          body === undefined
            ? error(413, "request body too large")
            : answer(
                stream.session as object,
                stream.session?.socket as TLSSocket,
                method,
                path,
                body,
              );
        if (stream.destroyed) return;
        const headers = {
          [constants.HTTP2_HEADER_STATUS]: out.status,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(out.body),
        };
        if (out.body === "") {
          stream.respond(headers, { endStream: true });
          return;
        }
        stream.respond(headers);
        // end() once the write completed: ending at once (end(body), or write() then end())
        // lets the stream close before the write callback, and Node 20 then builds an
        // ERR_STREAM_DESTROYED for nobody on most responses (~13 % of this server's CPU).
        stream.write(out.body, () => stream.end());
      });
    });
  }
  server.on("request", (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const connection: object = req.stream?.session ?? req.socket;
    readAll(req, (body) => {
      const out =
        body === undefined
          ? error(413, "request body too large")
          : answer(connection, req.socket as TLSSocket, req.method, req.url, body);
      res.writeHead(out.status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(out.body),
      });
      res.end(out.body);
    });
  });

  const [host = "127.0.0.1", port = "0"] = (options.address ?? "127.0.0.1:0").split(/:(?=\d+$)/);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), host.replace(/^\[|\]$/g, ""), () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host.replace(/^\[|\]$/g, "")}]` : host;
  return {
    url: `https://${shown}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Reads a request body up to MAX_BODY; undefined when it is larger. */
function readAll(stream: Readable, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  stream.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) over = true;
    else chunks.push(chunk);
  });
  stream.on("end", () => done(over ? undefined : Buffer.concat(chunks, size)));
  stream.on("error", () => {});
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      addr: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      ca: { type: "string" },
      admin: { type: "string" },
      create: { type: "string", multiple: true },
      "h2-api": { type: "string" },
    },
    strict: true,
  });
  for (const required of ["cert", "key", "ca"] as const) {
    if (values[required] === undefined) throw new Error(`--${required} <file> is required`);
  }
  const h2Api = values["h2-api"] ?? "stream";
  if (h2Api !== "stream" && h2Api !== "compat") {
    throw new Error(`--h2-api must be stream or compat, not '${h2Api}'`);
  }
  const ceiling = await startCeiling({
    certPem: readFileSync(values.cert as string, "utf8"),
    keyPem: readFileSync(values.key as string, "utf8"),
    caPem: readFileSync(values.ca as string, "utf8"),
    ...(values.addr === undefined ? {} : { address: values.addr }),
    ...(values.admin === undefined ? {} : { admin: values.admin }),
    create: values.create ?? [],
    h2Api,
  });
  process.stdout.write(`ceiling listening on ${ceiling.url}\n`);
  const stop = () => {
    ceiling.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`ceiling: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
