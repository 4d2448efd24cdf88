/**
 * A published port (`ports: ["7373:7373"]`): a listener on the host's loopback that relays each
 * connection to the container's address and port, as Docker's proxy does. The host side gets a
 * free port (the test asks the stack which), so tests never collide on 7373.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface Forwarder {
  /** The host-side port on 127.0.0.1. */
  readonly port: number;
  close(): Promise<void>;
}

export async function forward(target: { host: string; port: number }): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect(target.port, target.host);
    track(upstream);
    // Nothing listening there: the client sees its connection reset, as with Docker.
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("forward: no port");
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
