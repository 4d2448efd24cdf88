import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { errors, type KesError } from "@kes/core";
import type { HttpExchange } from "./http/exchange.js";
import { identityOfDer } from "./spki.js";

/**
 * The caller's identity from its TLS client certificate (kes-api.md §4.1), computed once per
 * connection: certificate parsing is far too slow for every request of a keep-alive client.
 */

type Peer = { readonly identity: string } | { readonly error: KesError };

// Keyed by the HTTP/2 session or the HTTP/1.1 socket: both live exactly as long as the
// connection.
const peers = new WeakMap<object, Peer>();

const NO_CERTIFICATE: Peer = { error: errors.invalidArgument("no client certificate is present") };
const TOO_MANY: Peer = {
  error: errors.invalidArgument("too many client certificates are present"),
};

/** The identity of the request's client certificate; throws the KES 2023 400s. */
export function peerIdentity(ex: HttpExchange): string {
  const key = ex.connection;
  let peer = peers.get(key);
  if (peer === undefined) {
    const socket = ex.socket;
    peer = socket === undefined ? NO_CERTIFICATE : identify(socket);
    peers.set(key, peer);
  }
  if ("error" in peer) throw peer.error;
  return peer.identity;
}

/**
 * Like KES: certificates marked as CAs (basicConstraints) are ignored and exactly one other
 * certificate must remain. Node shows the chain the client sent as far as each certificate
 * issued the previous one; unrelated extra certificates are not visible, and the identity is
 * always that of the certificate whose key the client proved it holds.
 */
function identify(socket: TLSSocket): Peer {
  if (typeof socket.getPeerCertificate !== "function") return NO_CERTIFICATE;
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  let leaf: DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    if (!cert.ca) {
      if (leaf !== undefined) return TOO_MANY;
      leaf = cert;
    }
    cert = cert.issuerCertificate;
  }
  if (leaf === undefined) return NO_CERTIFICATE;
  try {
    return { identity: identityOfDer(leaf.raw) };
  } catch {
    return { error: errors.invalidArgument("invalid client certificate") };
  }
}
