import type { ConfigNode } from "../node.js";
import type { TlsConfig } from "../types.js";

/** `tls.{key,cert,password,ca,auth,proxy}`; paths are resolved against the config's directory. */
export function parseTls(node: ConfigNode): TlsConfig {
  const f = node.fields(["key", "cert", "password", "ca", "auth", "proxy"]);
  f.key.requiredString("the server's private key file (tls.key)");
  f.cert.requiredString("the server's certificate file (tls.cert)");
  const tls: { -readonly [K in keyof TlsConfig]: TlsConfig[K] } = {
    key: f.key.resolvedPath() as string,
    cert: f.cert.resolvedPath() as string,
  };
  // A password may legitimately have surrounding spaces: it is not trimmed.
  const password = f.password.string();
  if (password !== undefined && password !== "") tls.password = password;
  const ca = f.ca.resolvedPath();
  if (ca !== undefined) tls.ca = ca;
  const auth = f.auth.onOff();
  if (auth !== undefined) tls.auth = auth ? "on" : "off";
  parseProxy(f.proxy);
  return tls;
}

// KES 2023 forwarded client certificates from trusted TLS proxies. We check the block's shape so
// a typo is still caught, but do not act on it (2024 KES parsed it and ignored it, too).
function parseProxy(node: ConfigNode): void {
  const f = node.fields(["identities", "header"]);
  const identities = f.identities.items().map((item) => item.string() ?? "");
  const header = f.header.fields(["cert"]).cert.string() ?? "";
  if (identities.some((id) => id.trim() !== "") || header.trim() !== "") {
    node.warn(
      "TLS proxies are not supported by this server: tls.proxy is ignored, so requests " +
        "relayed by a proxy are authenticated as the proxy itself",
    );
  }
}
