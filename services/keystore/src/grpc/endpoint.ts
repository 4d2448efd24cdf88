import { errors } from "@kes/core";

/**
 * A keystore service address: "https://host:port", "http://host:port" (h2c, tests only) or a
 * bare "host:port", which means https when TLS material is given and http otherwise.
 * Returns the origin to dial.
 */
export function parseEndpoint(endpoint: string, tls: boolean): URL {
  if (typeof endpoint !== "string" || endpoint.trim() === "") {
    throw errors.invalidArgument("invalid argument: keystore endpoint is empty");
  }
  // Error messages show the endpoint, but never a password someone put into it.
  const shown = endpoint.replace(/\/\/[^/@]*@/, "//[redacted]@");
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)
    ? endpoint
    : `${tls ? "https" : "http"}://${endpoint}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw errors.invalidArgument(`invalid argument: keystore endpoint "${shown}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw errors.invalidArgument(
      `invalid argument: keystore endpoint "${shown}" must use http:// or https://`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    // Credentials belong in TLS client certificates, not in an address that gets logged.
    throw errors.invalidArgument(
      "invalid argument: keystore endpoint must not contain credentials",
    );
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    throw errors.invalidArgument(
      `invalid argument: keystore endpoint "${shown}" must be a bare host:port, without a path`,
    );
  }
  if (url.protocol === "http:" && tls) {
    throw errors.invalidArgument(
      `invalid argument: keystore endpoint "${shown}" is http:// but TLS material was given`,
    );
  }
  return url;
}
