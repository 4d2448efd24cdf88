import { type KeyStore, silentLogger } from "@kes/core";
import { type CipherTrustConfig, type CipherTrustOptions, settingsOf } from "./config.js";
import { CmHttp } from "./http.js";
import { CipherTrustKeyStore } from "./store.js";
import { loadCaCertificates } from "./tls.js";
import { requestAccessToken, TokenKeeper } from "./token.js";

export { type CipherTrustConfig, type CipherTrustOptions, CONFIG_KEYS } from "./config.js";

/**
 * Opens the keystore of a `keystore.gemalto.keysecure` config block: checks the config, loads
 * `tls.ca`, and obtains the first access token. Fails (within the call timeout, never hanging)
 * with a message that names the problem and the setting to fix.
 */
export async function openCipherTrustKeyStore(
  config: CipherTrustConfig,
  options: CipherTrustOptions = {},
): Promise<KeyStore> {
  const settings = settingsOf(config, options);
  const log = (options.logger ?? silentLogger()).child({ keystore: "gemalto.keysecure" });
  const ca = settings.ca === undefined ? undefined : await loadCaCertificates(settings.ca);
  const http = new CmHttp(settings, ca, log);
  const tokens = new TokenKeeper(() => requestAccessToken(http, settings), {
    retryMs: settings.retryMs,
    log,
  });
  try {
    await tokens.start();
  } catch (err) {
    tokens.close();
    await http.close();
    throw err;
  }
  log.info(
    { endpoint: settings.endpoint, domain: settings.domain || "root" },
    "connected to CipherTrust Manager",
  );
  return new CipherTrustKeyStore(settings, http, tokens, log);
}
