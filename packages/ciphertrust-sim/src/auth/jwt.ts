import { createHmac, timingSafeEqual } from "node:crypto";

/** The claims CM puts in its API tokens (KES treats the token as opaque). */
export interface CmClaims {
  iss: string;
  acc: string;
  aud: string;
  sub: string;
  preferred_username: string;
  cust: { groups: string[]; domain: string };
  jwtid: string;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

function mac(key: Buffer, input: string): Buffer {
  return createHmac("sha256", key).update(input).digest();
}

export function signJwt(claims: CmClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signingInput = `${HEADER}.${payload}`;
  return `${signingInput}.${mac(key, signingInput).toString("base64url")}`;
}

/**
 * Checks the signature and shape of a token; returns its claims or undefined. Expiry and
 * revocation are the caller's business (they depend on the virtual clock and the state).
 */
export function verifyJwt(token: string, key: Buffer): CmClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  let headerJson: unknown;
  try {
    headerJson = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if ((headerJson as { alg?: unknown } | null)?.alg !== "HS256") return undefined;
  const expected = mac(key, `${header}.${payload}`);
  const actual = Buffer.from(signature, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as CmClaims;
    if (
      typeof claims.jwtid !== "string" ||
      typeof claims.sub !== "string" ||
      typeof claims.exp !== "number"
    ) {
      return undefined;
    }
    return claims;
  } catch {
    return undefined;
  }
}
