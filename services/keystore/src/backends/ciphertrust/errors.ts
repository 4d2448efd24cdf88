import type { PeerCertificate } from "node:tls";
import { CONFIG_KEYS } from "./config.js";
import { NO_SAN_CODE } from "./tls.js";

/** What CipherTrust Manager said in an error answer: `{code, codeDesc, message?}` or plain text. */
export interface CmErrorInfo {
  readonly status: number;
  readonly code?: number;
  readonly codeDesc?: string;
  /** CM's optional human text (KES ignored it; operators find it useful). */
  readonly message?: string;
  /** A non-JSON answer's text, shortened and stripped of control characters. */
  readonly text?: string;
  /** The answer was a CM JSON error body (not, e.g., a proxy's HTML page). */
  readonly isCmBody: boolean;
}

const MAX_TEXT = 200;

function printable(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat;
}

/** Parses an error answer as KES does: JSON `code`/`codeDesc` if JSON, else the text. */
export function parseCmError(status: number, contentType: string, body: Buffer): CmErrorInfo {
  if (contentType.toLowerCase().startsWith("application/json")) {
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        const { code, codeDesc, message } = parsed as Record<string, unknown>;
        if (typeof codeDesc === "string" || typeof code === "number") {
          return {
            status,
            isCmBody: true,
            ...(typeof code === "number" ? { code } : {}),
            ...(typeof codeDesc === "string" ? { codeDesc: printable(codeDesc) } : {}),
            ...(typeof message === "string" && message !== ""
              ? { message: printable(message) }
              : {}),
          };
        }
      }
    } catch {
      // Falls through: the text itself is the best description there is.
    }
  }
  return { status, isCmBody: false, text: printable(body.toString("utf8")) };
}

/** One line for logs and error messages, e.g. `403 NCERRInsufficientPermissions: … (code 7)`. */
export function describeCmError(info: CmErrorInfo): string {
  if (!info.isCmBody) return `${info.status} ${info.text === "" ? "(empty answer)" : info.text}`;
  const parts = [String(info.status), info.codeDesc ?? "(no codeDesc)"];
  if (info.message !== undefined && !(info.codeDesc ?? "").includes(info.message)) {
    parts.push(`- ${info.message}`);
  }
  if (info.code !== undefined) parts.push(`(code ${info.code})`);
  return parts.join(" ");
}

/** Structured log fields for an error answer (never a token or material: CM sends neither). */
export function cmErrorFields(info: CmErrorInfo): Record<string, unknown> {
  return info.isCmBody
    ? { status: info.status, code: info.code, codeDesc: info.codeDesc, cmMessage: info.message }
    : { status: info.status, text: info.text };
}

export type TransportKind =
  | "refused"
  | "dns"
  | "timeout"
  | "reset"
  | "tls"
  | "aborted"
  | "too-large"
  | "closed"
  | "other";

/** A request that got no (complete) HTTP answer. The message is for operators and logs. */
export class TransportError extends Error {
  override readonly name = "TransportError";

  constructor(
    readonly kind: TransportKind,
    message: string,
    /** KES retries timeouts and dropped connections; never refused, DNS or TLS failures. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
]);
const DROPPED = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "HPE_INVALID_CONSTANT",
  "HPE_CLOSED_CONNECTION",
]);
const TIMEOUTS = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

function namesOf(cert: PeerCertificate | undefined): string {
  const san = cert?.subjectaltname;
  return san === undefined || san === "" ? "none" : san;
}

/** Where a request went, for messages: "host:port" with the default port filled in. */
export function targetOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

function tlsError(err: unknown, code: string, url: URL, ca: string | undefined): TransportError {
  const host = url.hostname;
  const cert = (err as { cert?: PeerCertificate }).cert;
  if (
    code === NO_SAN_CODE ||
    (code === "ERR_TLS_CERT_ALTNAME_INVALID" && namesOf(cert) === "none")
  ) {
    return new TransportError(
      "tls",
      `the CipherTrust Manager TLS certificate has no subjectAltName (SAN), so it is not valid for any host name and cannot be checked against "${host}". ` +
        `Re-issue the CipherTrust Manager certificate with a subjectAltName matching the endpoint host "${host}" (DNS name or IP address); ` +
        "inspect it with: openssl x509 -text -noout -in <certificate>",
      false,
      { cause: err },
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new TransportError(
      "tls",
      `the CipherTrust Manager TLS certificate is not valid for "${host}" (it names ${namesOf(cert)}): ` +
        `use an endpoint host the certificate names in ${CONFIG_KEYS.endpoint}, or re-issue the certificate with a subjectAltName for "${host}"`,
      false,
      { cause: err },
    );
  }
  if (UNTRUSTED.has(code)) {
    const fix =
      ca === undefined
        ? `set ${CONFIG_KEYS.ca} to the certificate (file or directory) of the CA that issued it`
        : `the CA certificates in ${CONFIG_KEYS.ca} ("${ca}") did not issue it: point tls.ca at the right CA`;
    return new TransportError(
      "tls",
      `the CipherTrust Manager TLS certificate at ${targetOf(url)} is not trusted (${code}): ${fix}`,
      false,
      { cause: err },
    );
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return new TransportError(
      "tls",
      `the CipherTrust Manager TLS certificate at ${targetOf(url)} is outside its validity period (${code}): renew it`,
      false,
      { cause: err },
    );
  }
  return new TransportError(
    "tls",
    `TLS handshake with ${targetOf(url)} failed (${code || "unknown error"}): is the endpoint's scheme right? (https:// is TLS, http:// plain HTTP)`,
    false,
    { cause: err },
  );
}

function looksLikeTls(code: string, err: unknown): boolean {
  return (
    code.startsWith("ERR_TLS_") ||
    code.startsWith("ERR_SSL_") ||
    code.startsWith("CERT_") ||
    code === NO_SAN_CODE ||
    UNTRUSTED.has(code) ||
    code === "EPROTO" ||
    (err as { library?: unknown }).library === "SSL routines"
  );
}

/** Turns what undici or Node threw into a TransportError an operator can act on. */
export function classifyTransportError(
  err: unknown,
  url: URL,
  ca: string | undefined,
): TransportError {
  if (err instanceof TransportError) return err;
  const code = codeOf(err);
  const target = targetOf(url);
  if (code === "ECONNREFUSED") {
    return new TransportError(
      "refused",
      `cannot connect to CipherTrust Manager at ${target}: connection refused (is it running, and is ${CONFIG_KEYS.endpoint} right?)`,
      false,
      { cause: err },
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") {
    return new TransportError(
      "dns",
      `cannot resolve the CipherTrust Manager host "${url.hostname}" (${code}): check ${CONFIG_KEYS.endpoint}`,
      false,
      { cause: err },
    );
  }
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") {
    return new TransportError(
      "refused",
      `cannot reach CipherTrust Manager at ${target} (${code})`,
      false,
      { cause: err },
    );
  }
  if (looksLikeTls(code, err)) return tlsError(err, code, url, ca);
  if (TIMEOUTS.has(code)) {
    return new TransportError(
      "timeout",
      `CipherTrust Manager at ${target} did not answer in time (${code})`,
      true,
      { cause: err },
    );
  }
  if (DROPPED.has(code) || code.startsWith("HPE_")) {
    return new TransportError(
      "reset",
      `the connection to CipherTrust Manager at ${target} broke before a complete answer (${code})${
        url.protocol === "http:"
          ? `: is the endpoint's scheme right? (${CONFIG_KEYS.endpoint} says http://, plain HTTP; CipherTrust Manager speaks https://)`
          : ""
      }`,
      true,
      { cause: err },
    );
  }
  if (code === "UND_ERR_DESTROYED" || code === "UND_ERR_CLOSED") {
    return new TransportError("closed", "the CipherTrust keystore is closed", false, {
      cause: err,
    });
  }
  return new TransportError(
    "other",
    `request to CipherTrust Manager at ${target} failed (${code || (err instanceof Error ? err.name : "unknown error")})`,
    false,
    { cause: err },
  );
}
