import { isIP } from "node:net";
import { connect, type SecureContext, type TLSSocket } from "node:tls";

/** Where and how to open one TLS connection. */
export interface ConnectTarget {
  /** The endpoint's URL (only host and port are used). */
  readonly url: URL;
  /** Built once per client (certificates parsed once, a bad pair refused up front). */
  readonly secureContext: SecureContext;
  /** Do not verify the server's certificate (`kes -k`). */
  readonly insecure: boolean;
  /** Application protocols offered, most preferred first. */
  readonly alpn: readonly string[];
  readonly timeoutMs: number;
}

/** The host to dial: URL hostnames keep IPv6 brackets, sockets want them gone. */
export function dialHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/**
 * Opens a TLS connection and resolves once the handshake is done (so the negotiated ALPN
 * protocol is known), or rejects with the socket's error or a timeout (code ETIMEDOUT).
 */
export function connectTls(target: ConnectTarget): Promise<TLSSocket> {
  const host = dialHost(target.url);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: target.url.port === "" ? 443 : Number(target.url.port),
      // SNI carries host names only (RFC 6066); Node warns when given an IP address.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      secureContext: target.secureContext,
      rejectUnauthorized: !target.insecure,
      ALPNProtocols: [...target.alpn],
    });
    const timer = setTimeout(() => {
      const err = new Error(`no TLS connection within ${target.timeoutMs} ms`);
      socket.destroy(Object.assign(err, { code: "ETIMEDOUT" }));
    }, target.timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      // Whoever adopts the socket listens for its errors; until then one must not crash us.
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}
