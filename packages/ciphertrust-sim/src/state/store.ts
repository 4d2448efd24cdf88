import { randomBytes, randomUUID } from "node:crypto";
import type { VirtualClock } from "../clock.js";
import { cm } from "../cm-errors.js";
import type { SimSettings } from "../settings.js";
import {
  ADMIN_GROUP,
  type AttachmentRecord,
  type GroupRecord,
  type JwtRecord,
  type PolicyRecord,
  type PrincipalSelector,
  type RefreshTokenRecord,
  ROOT_DOMAIN,
  type SecretDataType,
  type SecretRecord,
  type StateData,
  type UserRecord,
} from "./model.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { secretUri } from "./uris.js";

export interface AdminCredentials {
  readonly username: string;
  readonly password: string;
}

export interface SimStateOptions {
  readonly clock: VirtualClock;
  readonly settings: SimSettings;
  readonly admin: AdminCredentials;
  /** Called after every mutation (persistence hooks in here). */
  readonly onChange?: () => void;
}

export interface NewUser {
  username: string;
  password: string;
  name?: string;
  email?: string;
}

export interface NewPolicy {
  name: string;
  allow: boolean;
  actions: string[];
  resources: string[];
  conditions?: unknown[];
}

export interface NewSecret {
  name: string;
  dataType: SecretDataType;
  material: string;
  unexportable?: boolean;
  undeletable?: boolean;
  meta?: unknown;
}

export interface NewRefreshToken {
  userId: string;
  domain: string;
  clientId?: string;
  lifetimeMs?: number;
  unusedLifeMs?: number;
}

export type SecretRefType = "name" | "id" | "uri";

const HEX64 = /^[0-9a-f]{64}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** CM refresh tokens look like ~60 random alphanumerics. */
function randomTokenValue(length = 64): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += TOKEN_ALPHABET[b % TOKEN_ALPHABET.length];
  return out;
}

/**
 * All mutable simulator state, with the invariants CM enforces (uniqueness, existence).
 * Input shape validation happens at the HTTP edge; these methods take typed input.
 */
export class SimState {
  readonly #clock: VirtualClock;
  readonly #settings: SimSettings;
  readonly #admin: AdminCredentials;
  readonly #onChange: (() => void) | undefined;
  #data: StateData;

  constructor(options: SimStateOptions) {
    this.#clock = options.clock;
    this.#settings = options.settings;
    this.#admin = options.admin;
    this.#onChange = options.onChange;
    this.#data = this.#initial(randomBytes(32).toString("base64"));
  }

  /** The raw state (for persistence and inspection); treat as read-only. */
  get data(): Readonly<StateData> {
    return this.#data;
  }

  /** Back to a fresh CM holding only the built-in admin; the JWT signing key is kept. */
  reset(): void {
    this.#data = this.#initial(this.#data.signingKey);
    this.#changed();
  }

  /** Replaces the whole state (loading a state file). */
  load(data: StateData): void {
    this.#data = data;
  }

  #initial(signingKey: string): StateData {
    const now = this.#clock.iso();
    const { hash, salt } = hashPassword(this.#admin.password);
    const admin: UserRecord = {
      id: `local|${randomUUID()}`,
      username: this.#admin.username,
      passwordHash: hash,
      passwordSalt: salt,
      name: this.#admin.username,
      email: "",
      enabled: true,
      createdAt: now,
      updatedAt: now,
      lastLogin: null,
      loginsCount: 0,
    };
    return {
      version: 1,
      signingKey,
      domains: [ROOT_DOMAIN],
      users: [admin],
      groups: [
        { name: ADMIN_GROUP, description: "", createdAt: now, updatedAt: now, members: [admin.id] },
      ],
      policies: [],
      attachments: [],
      refreshTokens: [],
      jwts: [],
      secrets: { [ROOT_DOMAIN]: [] },
    };
  }

  #changed(): void {
    this.#onChange?.();
  }

  // ---- domains -------------------------------------------------------------------------

  domains(): readonly string[] {
    return this.#data.domains;
  }

  addDomain(name: string): void {
    if (name.length === 0 || name === ROOT_DOMAIN) throw cm.invalidParam("invalid domain name");
    if (this.#data.domains.includes(name)) throw cm.conflict("domain already exists");
    this.#data.domains.push(name);
    this.#data.secrets[name] = [];
    this.#changed();
  }

  /** "" and "root" name the root domain; undefined when the domain does not exist. */
  resolveDomain(requested: string | undefined): string | undefined {
    if (requested === undefined || requested === "") return ROOT_DOMAIN;
    return this.#data.domains.includes(requested) ? requested : undefined;
  }

  // ---- users ---------------------------------------------------------------------------

  users(): readonly UserRecord[] {
    return this.#data.users;
  }

  userById(id: string): UserRecord | undefined {
    return this.#data.users.find((u) => u.id === id);
  }

  userByUsername(username: string): UserRecord | undefined {
    return this.#data.users.find((u) => u.username === username);
  }

  createUser(input: NewUser): UserRecord {
    if (this.userByUsername(input.username) !== undefined) {
      throw cm.conflict("user already exists");
    }
    const now = this.#clock.iso();
    const { hash, salt } = hashPassword(input.password);
    const user: UserRecord = {
      id: `local|${randomUUID()}`,
      username: input.username,
      passwordHash: hash,
      passwordSalt: salt,
      name: input.name ?? "",
      email: input.email ?? "",
      enabled: true,
      createdAt: now,
      updatedAt: now,
      lastLogin: null,
      loginsCount: 0,
    };
    this.#data.users.push(user);
    this.#changed();
    return user;
  }

  /** The user when username and password match and the user is enabled. */
  checkPassword(username: string, password: string): UserRecord | undefined {
    const user = this.userByUsername(username);
    if (user === undefined || !user.enabled) return undefined;
    return verifyPassword(password, user.passwordHash, user.passwordSalt) ? user : undefined;
  }

  recordLogin(user: UserRecord): void {
    user.lastLogin = this.#clock.iso();
    user.loginsCount++;
    this.#changed();
  }

  setUserEnabled(id: string, enabled: boolean): void {
    const user = this.userById(id);
    if (user === undefined) throw cm.notFound();
    user.enabled = enabled;
    user.updatedAt = this.#clock.iso();
    this.#changed();
  }

  deleteUser(id: string): void {
    const index = this.#data.users.findIndex((u) => u.id === id);
    if (index < 0) throw cm.notFound();
    this.#data.users.splice(index, 1);
    for (const g of this.#data.groups) g.members = g.members.filter((m) => m !== id);
    this.#changed();
  }

  groupsOf(userId: string): string[] {
    return this.#data.groups.filter((g) => g.members.includes(userId)).map((g) => g.name);
  }

  // ---- groups --------------------------------------------------------------------------

  groups(): readonly GroupRecord[] {
    return this.#data.groups;
  }

  group(name: string): GroupRecord | undefined {
    return this.#data.groups.find((g) => g.name === name);
  }

  createGroup(input: { name: string; description?: string }): GroupRecord {
    if (this.group(input.name) !== undefined) throw cm.conflict("group already exists");
    const now = this.#clock.iso();
    const group: GroupRecord = {
      name: input.name,
      description: input.description ?? "",
      createdAt: now,
      updatedAt: now,
      members: [],
    };
    this.#data.groups.push(group);
    this.#changed();
    return group;
  }

  deleteGroup(name: string): void {
    const index = this.#data.groups.findIndex((g) => g.name === name);
    if (index < 0) throw cm.notFound();
    this.#data.groups.splice(index, 1);
    this.#changed();
  }

  addMember(groupName: string, userId: string): GroupRecord {
    const group = this.group(groupName);
    if (group === undefined || this.userById(userId) === undefined) throw cm.notFound();
    if (!group.members.includes(userId)) {
      group.members.push(userId);
      group.updatedAt = this.#clock.iso();
      this.#changed();
    }
    return group;
  }

  removeMember(groupName: string, userId: string): void {
    const group = this.group(groupName);
    if (group === undefined || !group.members.includes(userId)) throw cm.notFound();
    group.members = group.members.filter((m) => m !== userId);
    group.updatedAt = this.#clock.iso();
    this.#changed();
  }

  // ---- policies and attachments ---------------------------------------------------------

  policies(): readonly PolicyRecord[] {
    return this.#data.policies;
  }

  /** By id, else by name. */
  policy(idOrName: string): PolicyRecord | undefined {
    return (
      this.#data.policies.find((p) => p.id === idOrName) ??
      this.#data.policies.find((p) => p.name === idOrName)
    );
  }

  createPolicy(input: NewPolicy): PolicyRecord {
    if (this.#data.policies.some((p) => p.name === input.name)) {
      throw cm.conflict("policy already exists");
    }
    const now = this.#clock.iso();
    const policy: PolicyRecord = {
      id: randomUUID(),
      name: input.name,
      allow: input.allow,
      actions: [...input.actions],
      resources: [...input.resources],
      conditions: input.conditions ?? [],
      createdAt: now,
      updatedAt: now,
    };
    this.#data.policies.push(policy);
    this.#changed();
    return policy;
  }

  updatePolicy(
    idOrName: string,
    patch: Partial<Pick<PolicyRecord, "allow" | "actions" | "resources" | "conditions">>,
  ): PolicyRecord {
    const policy = this.policy(idOrName);
    if (policy === undefined) throw cm.notFound();
    if (patch.allow !== undefined) policy.allow = patch.allow;
    if (patch.actions !== undefined) policy.actions = [...patch.actions];
    if (patch.resources !== undefined) policy.resources = [...patch.resources];
    if (patch.conditions !== undefined) policy.conditions = [...patch.conditions];
    policy.updatedAt = this.#clock.iso();
    this.#changed();
    return policy;
  }

  /** Deleting a policy removes its attachments too. */
  deletePolicy(idOrName: string): void {
    const policy = this.policy(idOrName);
    if (policy === undefined) throw cm.notFound();
    this.#data.policies = this.#data.policies.filter((p) => p !== policy);
    this.#data.attachments = this.#data.attachments.filter((a) => a.policyId !== policy.id);
    this.#changed();
  }

  attachments(): readonly AttachmentRecord[] {
    return this.#data.attachments;
  }

  attach(
    policyIdOrName: string,
    selector: PrincipalSelector,
    rawSelector: unknown,
  ): AttachmentRecord {
    const policy = this.policy(policyIdOrName);
    if (policy === undefined) throw cm.notFound();
    const attachment: AttachmentRecord = {
      id: randomUUID(),
      policyId: policy.id,
      selector: { groups: [...selector.groups], users: [...selector.users] },
      rawSelector,
      createdAt: this.#clock.iso(),
    };
    this.#data.attachments.push(attachment);
    this.#changed();
    return attachment;
  }

  detach(id: string): void {
    const before = this.#data.attachments.length;
    this.#data.attachments = this.#data.attachments.filter((a) => a.id !== id);
    if (this.#data.attachments.length === before) throw cm.notFound();
    this.#changed();
  }

  /** Policies attached to a principal with these groups (and this user id). */
  policiesFor(userId: string, groups: readonly string[]): PolicyRecord[] {
    const ids = new Set(
      this.#data.attachments
        .filter(
          (a) =>
            a.selector.users.includes(userId) || a.selector.groups.some((g) => groups.includes(g)),
        )
        .map((a) => a.policyId),
    );
    return this.#data.policies.filter((p) => ids.has(p.id));
  }

  // ---- tokens ---------------------------------------------------------------------------

  refreshTokens(): readonly RefreshTokenRecord[] {
    return this.#data.refreshTokens;
  }

  refreshTokenByValue(value: string): RefreshTokenRecord | undefined {
    return this.#data.refreshTokens.find((t) => t.value === value);
  }

  mintRefreshToken(input: NewRefreshToken): RefreshTokenRecord {
    const now = this.#clock.now();
    const token: RefreshTokenRecord = {
      id: randomUUID(),
      value: randomTokenValue(),
      clientId: input.clientId ?? randomUUID(),
      userId: input.userId,
      domain: input.domain,
      issuedAt: now,
      expiresAt: input.lifetimeMs === undefined ? null : now + input.lifetimeMs,
      unusedLifeMs: input.unusedLifeMs ?? null,
      lastUsed: now,
      revoked: false,
    };
    this.#data.refreshTokens.push(token);
    this.#changed();
    return token;
  }

  /** Why a refresh token cannot be used now, or undefined when it can. */
  refreshTokenProblem(token: RefreshTokenRecord): string | undefined {
    const now = this.#clock.now();
    if (token.revoked) return "Token has been revoked";
    if (token.expiresAt !== null && now >= token.expiresAt) return "Token has expired";
    if (token.unusedLifeMs !== null && now - token.lastUsed >= token.unusedLifeMs) {
      return "Token has expired";
    }
    return undefined;
  }

  touchRefreshToken(token: RefreshTokenRecord): void {
    token.lastUsed = this.#clock.now();
    this.#changed();
  }

  /** Revokes by id or value; false when no such token exists. */
  revokeRefreshToken(idOrValue: string): boolean {
    const token = this.#data.refreshTokens.find((t) => t.id === idOrValue || t.value === idOrValue);
    if (token === undefined) return false;
    token.revoked = true;
    this.#changed();
    return true;
  }

  /** Revokes every refresh token (of one user when given); returns how many. */
  revokeRefreshTokens(filter: { userId?: string } = {}): number {
    let n = 0;
    for (const t of this.#data.refreshTokens) {
      if (!t.revoked && (filter.userId === undefined || t.userId === filter.userId)) {
        t.revoked = true;
        n++;
      }
    }
    if (n > 0) this.#changed();
    return n;
  }

  /** Moves a refresh token's absolute expiry to now (tests of expired tokens). */
  expireRefreshToken(idOrValue: string): boolean {
    const token = this.#data.refreshTokens.find((t) => t.id === idOrValue || t.value === idOrValue);
    if (token === undefined) return false;
    token.expiresAt = this.#clock.now();
    this.#changed();
    return true;
  }

  jwt(id: string): JwtRecord | undefined {
    return this.#data.jwts.find((j) => j.id === id);
  }

  recordJwt(record: JwtRecord): void {
    // Expired JWTs can never be used again, so they need no revocation bookkeeping.
    const now = this.#clock.now();
    this.#data.jwts = this.#data.jwts.filter((j) => j.exp > now);
    this.#data.jwts.push(record);
    this.#changed();
  }

  /** Revokes every live JWT (of one user when given): a simulated CM restart. */
  revokeJwts(filter: { userId?: string } = {}): number {
    let n = 0;
    for (const j of this.#data.jwts) {
      if (!j.revoked && (filter.userId === undefined || j.userId === filter.userId)) {
        j.revoked = true;
        n++;
      }
    }
    if (n > 0) this.#changed();
    return n;
  }

  /** Makes every live JWT expire now. */
  expireJwts(): number {
    const now = this.#clock.now();
    let n = 0;
    for (const j of this.#data.jwts) {
      if (j.exp > now) {
        j.exp = now;
        n++;
      }
    }
    if (n > 0) this.#changed();
    return n;
  }

  // ---- secrets --------------------------------------------------------------------------

  /** The secrets of a domain in creation order (empty for an unknown domain). */
  secrets(domain: string = ROOT_DOMAIN): readonly SecretRecord[] {
    return this.#data.secrets[domain] ?? [];
  }

  #sameName(a: string, b: string): boolean {
    return this.#settings.caseInsensitiveNames ? a.toLowerCase() === b.toLowerCase() : a === b;
  }

  /** Resolves `ref` as CM does: `type` picks the meaning, else id-shaped refs are ids. */
  findSecret(domain: string, ref: string, type?: SecretRefType): SecretRecord | undefined {
    const kind = type ?? (HEX64.test(ref) || UUID.test(ref) ? "id" : "name");
    const list = this.secrets(domain);
    switch (kind) {
      case "id":
        return list.find((s) => s.id === ref.toLowerCase() || s.uuid === ref.toLowerCase());
      case "uri":
        return list.find((s) => secretUri(s.name) === ref);
      case "name":
        return list.find((s) => this.#sameName(s.name, ref));
    }
  }

  addSecret(domain: string, input: NewSecret): SecretRecord {
    const list = this.#data.secrets[domain];
    if (list === undefined) throw cm.notFound();
    if (list.some((s) => this.#sameName(s.name, input.name))) {
      throw cm.conflict("secret with that name already exists");
    }
    const now = this.#clock.iso();
    const secret: SecretRecord = {
      id: randomBytes(32).toString("hex"),
      uuid: randomUUID(),
      name: input.name,
      dataType: input.dataType,
      material: input.material,
      createdAt: now,
      updatedAt: now,
      unexportable: input.unexportable ?? false,
      undeletable: input.undeletable ?? false,
      neverExported: true,
      meta: input.meta ?? null,
    };
    list.push(secret);
    this.#changed();
    return secret;
  }

  deleteSecret(domain: string, id: string): void {
    const list = this.#data.secrets[domain];
    const index = list?.findIndex((s) => s.id === id) ?? -1;
    if (list === undefined || index < 0) throw cm.notFound();
    list.splice(index, 1);
    this.#changed();
  }

  markExported(secret: SecretRecord): void {
    if (secret.neverExported) {
      secret.neverExported = false;
      this.#changed();
    }
  }
}
