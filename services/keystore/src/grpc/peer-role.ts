import { checkServerIdentity, type PeerCertificate } from "node:tls";

/**
 * The split deployment's roles. Every internal certificate is issued by the internal CA
 * (`kes tool certs internal`) and names its role as its subject common name, so a service can
 * tell a gateway from a crypto process even though both hold certificates from the same CA.
 */
export const SERVICE_ROLES = ["gateway", "crypto", "keystore"] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

/** The role a verified peer certificate carries, or undefined when it names none. */
export function roleOf(cert: PeerCertificate | undefined | null): ServiceRole | undefined {
  const cn: unknown = cert?.subject?.CN;
  // Several CNs would make the role ambiguous: no role at all.
  return typeof cn === "string" && (SERVICE_ROLES as readonly string[]).includes(cn)
    ? (cn as ServiceRole)
    : undefined;
}

/** Why a peer is refused, or undefined when its role is one of `allowed`. */
export function peerRefusal(
  cert: PeerCertificate | undefined | null,
  allowed: readonly ServiceRole[],
  service: string,
): string | undefined {
  const role = roleOf(cert);
  if (role !== undefined && allowed.includes(role)) return undefined;
  const shown = role === undefined ? "a certificate without a service role" : `role '${role}'`;
  return `permission denied: the ${service} service accepts only ${allowed.join(", ")} peers, not ${shown}`;
}

/**
 * A TLS `checkServerIdentity` that does the usual host name check and then requires the
 * server's certificate to carry `role`: a client of the keystore talks only to a keystore.
 */
export function serverRoleCheck(
  role: ServiceRole,
): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const hostError = checkServerIdentity(host, cert);
    if (hostError !== undefined) return hostError;
    const actual = roleOf(cert);
    if (actual === role) return undefined;
    return new Error(
      `the server at ${host} is not a ${role} service: its certificate carries ${actual === undefined ? "no service role" : `the role '${actual}'`}`,
    );
  };
}
