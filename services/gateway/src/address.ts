import { isIP } from "node:net";

export interface ListenAddress {
  /** "" = every interface (as Go's ":7373"). */
  readonly host: string;
  readonly port: number;
}

/** Parses KES's `address` / `--addr`: "host:port", "[v6]:port" or ":port"; port 0 = any. */
export function parseAddress(address: string): ListenAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(address.trim());
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || port > 65_535) {
    throw new Error(`address '${address}': expected host:port, e.g. 0.0.0.0:7373 or [::1]:7373`);
  }
  const host = m[1] ?? m[2] ?? "";
  if (m[1] !== undefined && isIP(host) !== 6) {
    throw new Error(`address '${address}': '${host}' in brackets is not an IPv6 address`);
  }
  return { host, port };
}

/** "host:port" for display, with IPv6 in brackets. */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
