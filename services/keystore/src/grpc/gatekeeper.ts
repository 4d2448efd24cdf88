import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { PeerCertificate, TLSSocket } from "node:tls";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import type { Logger } from "@kes/core";
import { Health } from "@kes/proto";
import { peerRefusal, type ServiceRole } from "./peer-role.js";

/** The client certificate of the connection a call came in on (TLS only). */
const PEER_CERTIFICATE = createContextKey<PeerCertificate | undefined>(undefined, {
  description: "peer certificate",
});

/** connect-node `contextValues`: remembers the verified client certificate for the gatekeeper. */
export function peerCertificateOf(req: IncomingMessage | Http2ServerRequest): ContextValues {
  const values = createContextValues();
  // HTTP/2 requests expose the TLS socket through a proxy, HTTP/1.1 requests directly.
  const socket = req.socket as Partial<TLSSocket> | undefined;
  if (typeof socket?.getPeerCertificate === "function" && socket.authorized === true) {
    const cert = socket.getPeerCertificate();
    if (cert !== undefined && Object.keys(cert).length > 0) values.set(PEER_CERTIFICATE, cert);
  }
  return values;
}

export interface GatekeeperOptions {
  /** Roles allowed to call anything but health; absent = no role check. */
  readonly allowedPeers?: readonly ServiceRole[];
  /** Fires when the server starts draining: new calls are refused as UNAVAILABLE. */
  readonly draining: AbortSignal;
  readonly log: Logger;
}

/**
 * Runs before every call: refuses new work while the server drains (UNAVAILABLE, so a client
 * tries again elsewhere or later) and peers whose certificate carries the wrong role
 * (PERMISSION_DENIED). Health stays open, so probes see NOT_SERVING rather than an error.
 */
export function gatekeeper(options: GatekeeperOptions): Interceptor {
  return (next) => async (req) => {
    if (req.service.typeName === Health.typeName) return next(req);
    if (options.draining.aborted) {
      throw new ConnectError("keystore service is shutting down", Code.Unavailable);
    }
    if (options.allowedPeers !== undefined) {
      const refusal = peerRefusal(
        req.contextValues.get(PEER_CERTIFICATE),
        options.allowedPeers,
        "keystore",
      );
      if (refusal !== undefined) {
        options.log.warn({ rpc: req.method.name, reason: refusal }, "keystore: peer refused");
        throw new ConnectError(refusal, Code.PermissionDenied);
      }
    }
    return next(req);
  };
}
