import { randomUUID } from "node:crypto";
import type { AppContext } from "../http/types.js";
import type { UserRecord } from "../state/model.js";
import { signJwt } from "./jwt.js";

export interface IssuedJwt {
  readonly jwt: string;
  readonly duration: number;
}

/** Mints an HS256 JWT with CM-like claims and registers it (for revocation and expiry). */
export function issueJwt(
  app: AppContext,
  user: UserRecord,
  domain: string,
  clientId: string,
  refreshTokenId: string | null,
): IssuedJwt {
  const duration = app.settings.jwtTtlSeconds;
  const iat = app.clock.nowSeconds();
  const groups = app.state.groupsOf(user.id);
  const id = randomUUID();
  const jwt = signJwt(
    {
      iss: "kylo",
      acc: "kylo",
      aud: clientId,
      sub: user.id,
      preferred_username: user.username,
      cust: { groups, domain },
      jwtid: id,
      iat,
      exp: iat + duration,
    },
    Buffer.from(app.state.data.signingKey, "base64"),
  );
  app.state.recordJwt({
    id,
    userId: user.id,
    domain,
    groups,
    iat: iat * 1000,
    exp: (iat + duration) * 1000,
    revoked: false,
    refreshTokenId,
  });
  return { jwt, duration };
}
