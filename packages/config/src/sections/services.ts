import { isIP } from "node:net";
import type { ConfigNode } from "../node.js";
import type { InternalTlsConfig, ServiceAddressConfig, ServicesConfig } from "../types.js";

/**
 * Where the split services listen when the config does not say: loopback, so that a service
 * started without TLS by mistake is not reachable from other hosts.
 */
export const SERVICES_DEFAULTS: ServicesConfig = {
  crypto: { listen: "127.0.0.1:7002", address: ["127.0.0.1:7002"] },
  keystore: { listen: "127.0.0.1:7003", address: ["127.0.0.1:7003"] },
};

type Role = "crypto" | "keystore";

/**
 * `services` (our extension): `tls.{ca,cert,key}` and `crypto|keystore.{listen,address}`.
 * Returns undefined when the block is absent, so `kes server` configs stay as they were.
 */
export function parseServices(node: ConfigNode): ServicesConfig | undefined {
  if (!node.present) return undefined;
  const f = node.fields(["tls", "crypto", "keystore"]);
  const tls = parseInternalTls(f.tls);
  return {
    ...(tls === undefined ? {} : { tls }),
    crypto: parseService(f.crypto, "crypto"),
    keystore: parseService(f.keystore, "keystore"),
  };
}

function parseInternalTls(node: ConfigNode): InternalTlsConfig | undefined {
  if (node.absent) return undefined;
  const f = node.fields(["ca", "cert", "key"]);
  const what = {
    ca: "the internal CA certificate (services.tls.ca)",
    cert: "this service's certificate (services.tls.cert)",
    key: "this service's private key (services.tls.key)",
  };
  for (const name of ["ca", "cert", "key"] as const) f[name].requiredString(what[name]);
  return {
    ca: f.ca.resolvedPath() as string,
    cert: f.cert.resolvedPath() as string,
    key: f.key.resolvedPath() as string,
  };
}

function parseService(node: ConfigNode, role: Role): ServiceAddressConfig {
  const defaults = SERVICES_DEFAULTS[role];
  const f = node.fields(["listen", "address"]);
  const listenText = f.listen.string()?.trim();
  const listen = listenText === undefined || listenText === "" ? defaults.listen : listenText;
  const listenPort = checkHostPort(f.listen, listen, { dial: false });

  const entries = addressEntries(f.address);
  if (entries.length === 0) {
    // Clients dial where the service listens; a wildcard host is reached over loopback.
    if (listenPort === 0) {
      f.address.fail(
        `missing: services.${role}.listen uses port 0, so clients need the real address here`,
      );
    }
    return { listen, address: [dialableListen(listen)] };
  }
  const seen = new Set<string>();
  for (const { value, node: at } of entries) {
    checkHostPort(at, value, { dial: true });
    if (seen.has(value)) at.fail(`'${value}' is listed twice`);
    seen.add(value);
  }
  if (role === "keystore" && entries.length > 1) {
    f.address.fail(
      "the keystore service has exactly one address; to run several, put them behind one name",
    );
  }
  return { listen, address: entries.map((e) => e.value) };
}

interface Entry {
  readonly value: string;
  readonly node: ConfigNode;
}

/** A comma-separated string ("crypto-1:7002, crypto-2:7002") or a YAML list of strings. */
function addressEntries(node: ConfigNode): Entry[] {
  if (node.absent) return [];
  if (node.typeName === "list") {
    return node
      .items()
      .map((item) => ({ value: item.requiredString("an address").trim(), node: item }));
  }
  const text = node.string() ?? "";
  const parts = text.split(",").map((s) => s.trim());
  if (text.trim() === "") return [];
  if (parts.some((p) => p === "")) node.fail(`'${text.trim()}' has an empty entry`);
  return parts.map((value) => ({ value, node }));
}

const HOST_PORT = /^(\[([^\]]*)\]|[^:[\]\s/]*):(\d{1,5})$/;
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/** Checks `host:port` (IPv6 in brackets) and returns the port. */
function checkHostPort(node: ConfigNode, value: string, options: { dial: boolean }): number {
  const example = options.dial ? "crypto:7002" : "0.0.0.0:7002";
  const m = HOST_PORT.exec(value);
  const bracketed = m?.[2];
  const host = bracketed ?? m?.[1] ?? "";
  const port = Number(m?.[3]);
  const hostOk =
    bracketed !== undefined
      ? isIP(bracketed) === 6
      : host === ""
        ? !options.dial
        : isIP(host) === 4 || HOST_NAME.test(host);
  if (m === null || !hostOk || port > 65535) {
    node.fail(`'${value}' is not a host:port address, e.g. ${example}`);
  }
  if (options.dial && port === 0) node.fail(`'${value}': clients cannot dial port 0`);
  return port;
}

function dialableListen(listen: string): string {
  const m = HOST_PORT.exec(listen);
  const host = m?.[2] ?? m?.[1] ?? "";
  const port = m?.[3] ?? "";
  if (host === "" || host === "0.0.0.0") return `127.0.0.1:${port}`;
  if (host === "::") return `[::1]:${port}`;
  return listen;
}
