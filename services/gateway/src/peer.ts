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

const LEAF_IS_CA: Peer = {
  error: errors.invalidArgument(
    "invalid client certificate: the first certificate is a CA certificate; it must be the client's own",
  ),
};

/**
 * The identity is that of the first certificate the client sent: the only one whose private key
 * the TLS handshake proved the client holds. Like KES, a CA certificate (basicConstraints) is no
 * identity ("no client certificate is present" when it is all there is) and a second non-CA
 * certificate further up the chain is refused. Unlike KES, a chain whose first certificate is a
 * CA is refused even when a non-CA one follows: KES took that later one, so that anyone holding
 * a copy of a certificate (they are not secret) could pose as its owner with --auth=off.
 * Node shows the chain the client sent as far as each certificate names the next as its issuer.
 */
function identify(socket: TLSSocket): Peer {
  if (typeof socket.getPeerCertificate !== "function") return NO_CERTIFICATE;
  const leaf: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  if (leaf?.raw === undefined) return NO_CERTIFICATE;
  const seen = new Set<string>([leaf.fingerprint256]);
  let cert = leaf.issuerCertificate;
  let anotherLeaf = false;
  while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    if (!cert.ca) anotherLeaf = true;
    cert = cert.issuerCertificate;
  }
  if (leaf.ca) return anotherLeaf ? LEAF_IS_CA : NO_CERTIFICATE;
  if (anotherLeaf) return TOO_MANY;
  try {
    return { identity: identityOfDer(leaf.raw) };
  } catch {
    return { error: errors.invalidArgument("invalid client certificate") };
  }
}
