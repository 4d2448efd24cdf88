import type { ConfigNode } from "../node.js";
import type { KeystoreConfig } from "../types.js";

/** Default wait after a failed CipherTrust token renewal (KES's code default). */
export const GEMALTO_RETRY_MS = 5_000;

const SUPPORTED = "fs, gemalto.keysecure, grpc";

// Backends other KES releases know. Accepting one would silently fall back to keys we cannot
// reach, so each is an error that says so. Families with a nested product key list it.
const UNSUPPORTED: Record<string, string | undefined> = {
  kes: undefined,
  generic: undefined,
  vault: undefined,
  fortanix: "sdkms",
  aws: "secretsmanager",
  gcp: "secretmanager",
  azure: "keyvault",
  entrust: "keycontrol",
};

const BACKENDS = ["fs", "gemalto", "grpc", "memory"] as const;
type Backend = (typeof BACKENDS)[number];

/**
 * `keystore.<backend>`: exactly one of fs, gemalto.keysecure, grpc (ours) or memory; absent or
 * empty means memory, with a warning. A misspelt block is an error, never a silent fallback.
 */
export function parseKeystore(node: ConfigNode): KeystoreConfig {
  const entries = node.entries();
  for (const entry of entries) {
    const name = entry.key;
    if (name in UNSUPPORTED) {
      const product = UNSUPPORTED[name];
      const full =
        product !== undefined && entry.isMap && hasKey(entry, product)
          ? `${name}.${product}`
          : name;
      entry.fail(
        `keystore backend '${full}' is not supported by this server; supported: ${SUPPORTED}`,
      );
    }
  }
  const f = node.fields(BACKENDS);
  const present = BACKENDS.filter((b) => entries.some((e) => e.key === b));
  if (present.length > 1) {
    f[present[1] as Backend].fail(
      `more than one keystore backend: '${present[0]}' and '${present[1]}'; configure exactly one`,
    );
  }
  switch (present[0]) {
    case "fs":
      return parseFs(f.fs);
    case "gemalto":
      return parseGemalto(f.gemalto);
    case "grpc":
      return parseGrpc(f.grpc);
    default:
      if (present[0] === "memory") f.memory.fields([]);
      (present[0] === "memory" ? f.memory : node).warn(
        "no persistent keystore configured: keys are kept in memory and lost when the server stops",
      );
      return { kind: "memory" };
  }
}

function hasKey(node: ConfigNode, key: string): boolean {
  return node.entries().some((e) => e.key === key);
}

function parseFs(node: ConfigNode): KeystoreConfig {
  const f = node.fields(["path"]);
  f.path.requiredString("the directory the keys are stored in (keystore.fs.path)");
  return { kind: "fs", path: f.path.resolvedPath() as string };
}

// The user guide's block has empty strings for endpoint and token: it must parse as is; the
// keystore reports the empty endpoint when it starts.
function parseGemalto(node: ConfigNode): KeystoreConfig {
  const keysecure = node.fields(["keysecure"]).keysecure;
  if (keysecure.absent) keysecure.fail("missing: the keysecure block is required under gemalto");
  const f = keysecure.fields(["endpoint", "credentials", "tls"]);
  const credentials = f.credentials.fields(["token", "domain", "retry"]);
  const tls = f.tls.fields(["ca"]);
  const endpoint = f.endpoint.string()?.trim() ?? "";
  if (endpoint !== "") checkUrl(f.endpoint, endpoint, "https://ciphertrust.example.com");
  const ca = tls.ca.resolvedPath();
  return {
    kind: "gemalto.keysecure",
    endpoint,
    token: credentials.token.string()?.trim() ?? "",
    domain: credentials.domain.string()?.trim() ?? "",
    retryMs: credentials.retry.duration() || GEMALTO_RETRY_MS,
    ...(ca === undefined ? {} : { ca }),
  };
}

function parseGrpc(node: ConfigNode): KeystoreConfig {
  const f = node.fields(["endpoint", "timeout", "tls"]);
  const endpoint = f.endpoint
    .requiredString("the keystore service URL (keystore.grpc.endpoint)")
    .trim();
  // A bare host:port is what gRPC users write; the keystore client picks the scheme from tls.
  if (!HOST_PORT.test(endpoint)) checkUrl(f.endpoint, endpoint, "https://keystore.internal:7374");
  const t = f.tls.fields(["ca", "cert", "key"]);
  const ca = t.ca.resolvedPath();
  const cert = t.cert.resolvedPath();
  const key = t.key.resolvedPath();
  if ((cert === undefined) !== (key === undefined)) {
    f.tls.fail("a client certificate needs both tls.cert and tls.key");
  }
  const timeoutMs = f.timeout.duration();
  const tls = {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
  return {
    kind: "grpc",
    endpoint,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
}

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

function checkUrl(node: ConfigNode, value: string, example: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.host === ""
  ) {
    node.fail(`'${value}' is not an http(s) URL, e.g. ${example}`);
  }
}
