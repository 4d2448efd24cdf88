/** The simulator's state records (domain types; the CM JSON shapes are built at the edge). */

export const ROOT_DOMAIN = "root";
export const ADMIN_GROUP = "admin";
export const SECRET_DATA_TYPES = ["blob", "password", "seed"] as const;
export type SecretDataType = (typeof SECRET_DATA_TYPES)[number];

export interface UserRecord {
  /** `local|<uuid>`, as CM names local users. */
  id: string;
  username: string;
  /** scrypt hash (hex) and its salt: the state file never holds passwords. */
  passwordHash: string;
  passwordSalt: string;
  name: string;
  email: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLogin: string | null;
  loginsCount: number;
}

export interface GroupRecord {
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  /** User ids. */
  members: string[];
}

export interface PolicyRecord {
  id: string;
  name: string;
  /** true = allow policy, false = deny policy. */
  allow: boolean;
  actions: string[];
  resources: string[];
  /** Stored and echoed; not evaluated (see the simulator guide). */
  conditions: unknown[];
  createdAt: string;
  updatedAt: string;
}

/** Who an attachment applies to: CM selects principals by JWT claims. */
export interface PrincipalSelector {
  /** `cust.groups` claim values. */
  groups: string[];
  /** `sub` claim values (user ids). */
  users: string[];
}

export interface AttachmentRecord {
  id: string;
  policyId: string;
  selector: PrincipalSelector;
  /** The selector exactly as it was sent, echoed back. */
  rawSelector: unknown;
  createdAt: string;
}

export interface RefreshTokenRecord {
  id: string;
  value: string;
  clientId: string;
  userId: string;
  domain: string;
  issuedAt: number;
  /** Absolute expiry (ms since epoch), null = none. */
  expiresAt: number | null;
  /** Inactivity limit (ms), null = none. */
  unusedLifeMs: number | null;
  lastUsed: number;
  revoked: boolean;
}

export interface JwtRecord {
  /** The `jwtid` claim. */
  id: string;
  userId: string;
  domain: string;
  /** Group names stamped into the token at issue time. */
  groups: string[];
  iat: number;
  exp: number;
  revoked: boolean;
  refreshTokenId: string | null;
}

export interface SecretRecord {
  /** 64 hex characters. */
  id: string;
  uuid: string;
  name: string;
  dataType: SecretDataType;
  material: string;
  createdAt: string;
  updatedAt: string;
  unexportable: boolean;
  undeletable: boolean;
  neverExported: boolean;
  meta: unknown;
}

export interface StateData {
  version: 1;
  /** HS256 key for JWTs, base64. */
  signingKey: string;
  domains: string[];
  users: UserRecord[];
  groups: GroupRecord[];
  policies: PolicyRecord[];
  attachments: AttachmentRecord[];
  refreshTokens: RefreshTokenRecord[];
  jwts: JwtRecord[];
  /** Per domain, in creation order. */
  secrets: Record<string, SecretRecord[]>;
}
