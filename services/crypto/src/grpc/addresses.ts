import { isIP } from "node:net";
import { errors } from "@kes/core";

/** One configured crypto address: a host name or IP literal, and a port. */
export interface CryptoHost {
  /** As configured, without brackets: `crypto`, `10.0.0.5`, `::1`. */
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]\s/]+)):(\d{1,5})$/;

/** The crypto addresses a client dials: a list, or comma-separated `host:port` entries. */
export function cryptoAddresses(address: string | readonly string[]): string[] {
  const list = (typeof address === "string" ? address.split(",") : [...address]).map((a) =>
    a.trim(),
  );
  if (list.length === 0 || list.some((a) => a === "")) {
    throw errors.invalidArgument(
      "invalid argument: crypto service address is empty (expected host:port[,host:port...])",
    );
  }
  for (const a of list) cryptoHost(a);
  return list;
}

/** `host:port` or `[v6]:port` as host and port; anything else is an invalid_argument naming it. */
export function cryptoHost(address: string): CryptoHost {
  const m = HOST_PORT.exec(address);
  const bracketed = m?.[1];
  const host = bracketed ?? m?.[2] ?? "";
  const port = Number(m?.[3]);
  if (
    m === null ||
    (bracketed !== undefined && isIP(bracketed) !== 6) ||
    port < 1 ||
    port > 65535
  ) {
    throw errors.invalidArgument(
      `invalid argument: crypto service address '${address}' is not host:port (e.g. crypto:7002)`,
    );
  }
  return { host, port };
}

/** `ip:port`, with brackets around an IPv6 address: a grpc-js target. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
