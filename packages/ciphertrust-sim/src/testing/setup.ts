import type { Simulator } from "../simulator.js";
import type { UserRecord } from "../state/model.js";
import { call, type Json } from "./http.js";

export const GUIDE_ACTIONS = ["CreateKey", "ExportKey", "ReadKey", "DeleteKey"];

export interface GuideUser {
  readonly user: UserRecord;
  readonly password: string;
  readonly refreshToken: string;
}

/**
 * The guide's CM setup (steps 1–6) through the in-process API: a group, a user in it, a policy
 * on `kylo:kylo:vault:secrets:*` attached to the group, and a refresh token for the user.
 */
export async function guideSetup(
  sim: Simulator,
  options: {
    group?: string;
    username?: string;
    policy?: string;
    actions?: string[];
    resources?: string[];
    domain?: string;
  } = {},
): Promise<GuideUser> {
  const group = options.group ?? "KES-Service";
  const username = options.username ?? "kes";
  const password = "S3cret-pw!";
  if (sim.state.group(group) === undefined) sim.state.createGroup({ name: group });
  const user = sim.state.createUser({ username, password });
  sim.state.addMember(group, user.id);
  const policy = sim.state.createPolicy({
    name: options.policy ?? `${group}-policy`,
    allow: true,
    actions: options.actions ?? GUIDE_ACTIONS,
    resources: options.resources ?? ["kylo:kylo:vault:secrets:*"],
  });
  sim.state.attach(policy.id, { groups: [group], users: [] }, { cust: { groups: [group] } });
  const refreshToken = await sim.issueRefreshToken(username, password, options.domain);
  return { user, password, refreshToken };
}

/** KES request #1: a refresh grant; returns the JWT (throws on a non-200). */
export async function jwtFor(sim: Simulator, refreshToken: string, domain = ""): Promise<string> {
  const res = await call(sim.url, "POST", "/api/v1/auth/tokens", {
    body: { grant_type: "refresh_token", refresh_token: refreshToken, domain },
    ...(sim.caPem === undefined ? {} : { ca: sim.caPem }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return (res.json as Json).jwt as string;
}

/** KES request #2 with KES's exact body. */
export function kesCreate(
  sim: Simulator,
  jwt: string,
  name: string,
  material = `material-of-${name}`,
) {
  return call(sim.url, "POST", "/api/v1/vault/secrets", {
    token: jwt,
    body: { dataType: "seed", material, name },
  });
}

/** KES request #3: POST with an empty body, no Content-Type. */
export function kesGet(sim: Simulator, jwt: string, name: string) {
  return call(sim.url, "POST", `/api/v1/vault/secrets/${name}/export?type=name`, { token: jwt });
}

/** KES request #4. */
export function kesDelete(sim: Simulator, jwt: string, name: string) {
  return call(sim.url, "DELETE", `/api/v1/vault/secrets/${name}?type=name`, { token: jwt });
}

/**
 * KES request #5, the whole scan exactly as KES runs it (§1.4): pages of 200, echoed-skip
 * check, stop when the echoed skip reaches total. `maxPages` bounds the spin KES would do.
 */
export async function kesList(
  sim: Simulator,
  jwt: string,
  maxPages = 50,
): Promise<{ names: string[]; pages: number; error?: string }> {
  let skip = 0;
  const names: string[] = [];
  let previous: string[] = [];
  for (let pages = 1; pages <= maxPages; pages++) {
    const res = await call(sim.url, "GET", `/api/v1/vault/secrets?limit=200&skip=${skip}`, {
      token: jwt,
    });
    if (res.status !== 200) return { names, pages, error: `status ${res.status}` };
    const page = res.json as Json;
    if (page.skip !== skip) return { names, pages, error: "pagination is out-of-sync" };
    // KES reuses its page struct: an omitted `resources` keeps the previous page's names.
    const resources: Json[] | null | undefined = page.resources;
    const current = resources === undefined ? previous : (resources ?? []).map((r: Json) => r.name);
    names.push(...current);
    previous = current;
    skip += current.length;
    if (page.skip >= page.total) return { names, pages };
  }
  return { names, pages: maxPages, error: "gave up: the scan does not end" };
}
