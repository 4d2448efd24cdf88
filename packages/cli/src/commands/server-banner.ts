import { networkInterfaces } from "node:os";

/** What `kes server` shows at startup, like KES's banner (kes-api.md §9.1). */
export interface BannerInfo {
  readonly version: string;
  /** e.g. "linux/x64". */
  readonly platform: string;
  readonly keystore: { readonly kind: string; readonly endpoint: string };
  /** https URLs clients can use. */
  readonly endpoints: readonly string[];
  /** The admin identity; null (or anything that is not 64 hex digits) shows as disabled. */
  readonly admin: string | null;
  readonly auth: "on" | "off";
}

const LABEL = 12;
const VALUE = 22;

function line(label: string, value: string, note = ""): string {
  const text = note === "" ? value : `${value.padEnd(VALUE)} ${note}`;
  return `${label.padEnd(LABEL)}${text}\n`;
}

export function formatBanner(info: BannerInfo): string {
  const [first = "", ...rest] = info.endpoints;
  const admin =
    info.admin !== null && /^[0-9a-f]{64}$/.test(info.admin)
      ? line("Admin", info.admin)
      : line("Admin", "_", "[ disabled ]");
  const { kind, endpoint } = info.keystore;
  const keystore = endpoint === "" || endpoint === kind ? kind : `${kind}: ${endpoint}`;
  return [
    line("Version", info.version, info.platform),
    "\n",
    line("Keystore", keystore),
    line("Endpoints", first),
    ...rest.map((endpoint) => line("", endpoint)),
    "\n",
    admin,
    info.auth === "on"
      ? line("Mutual TLS", "on", "Verify client certificates")
      : line("Mutual TLS", "off", "Client certificates are required but not verified"),
  ].join("");
}

/** IPv4 addresses of this host's interfaces, loopback first. */
export function interfaceAddresses(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((iface) => iface.family === "IPv4")
    .sort((a, b) => Number(b.internal) - Number(a.internal))
    .map((iface) => iface.address);
  return [...new Set(addresses)];
}

/** The URLs a listener on `host:port` is reachable at ("" / 0.0.0.0 = every IPv4 interface). */
export function listenEndpoints(
  host: string,
  port: number,
  interfaces = interfaceAddresses(),
): string[] {
  if (host === "" || host === "0.0.0.0") return interfaces.map((ip) => `https://${ip}:${port}`);
  if (host === "::")
    return [`https://[::1]:${port}`, ...interfaces.map((ip) => `https://${ip}:${port}`)];
  return [`https://${host.includes(":") ? `[${host}]` : host}:${port}`];
}
