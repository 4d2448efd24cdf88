import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
}

export interface Listening {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  /** Stops listening and destroys every connection, hung ones included. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** A plain node:http or node:https server that tracks its sockets so close() never hangs. */
export function listen(handler: RequestListener, options: ListenOptions): Promise<Listening> {
  const server: Server =
    options.tls === undefined
      ? createHttpServer(handler)
      : createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, handler);
  // Hung requests are a feature here: no server-side request timeout may end them.
  server.requestTimeout = 0;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // Without this, a client that resets its TLS handshake crashes nothing but logs noise.
  server.on("tlsClientError", (_err, socket) => socket.destroy());

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      const scheme = options.tls === undefined ? "http" : "https";
      resolve({
        server,
        port,
        url: `${scheme}://${urlHost(options.host)}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
            server.closeAllConnections();
          }),
      });
    });
  });
}
