import { readFileSync } from "node:fs";
import { errors } from "@kes/core";
import { type Command, InvalidArgumentError } from "commander";
import { stringify } from "yaml";
import { CmClient } from "./client.js";
import { type KsctlFlags, loadConfig } from "./config.js";

type Print = (value: unknown) => void;

/** Runs `body` with a client for the effective config, printing what it returns. */
async function withClient(
  cmd: Command,
  body: (client: CmClient, flags: KsctlFlags) => Promise<unknown>,
): Promise<void> {
  const flags = cmd.optsWithGlobals<KsctlFlags>();
  const config = loadConfig(flags);
  const print: Print = (value) =>
    process.stdout.write(
      config.resp === "yaml" ? stringify(value) : `${JSON.stringify(value, null, 4)}\n`,
    );
  const client = new CmClient(config);
  try {
    print(await body(client, { ...flags, ...credentials(config) }));
  } finally {
    await client.close();
  }
}

function credentials(config: ReturnType<typeof loadConfig>): KsctlFlags {
  return {
    ...(config.username === undefined ? {} : { user: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw errors.invalidArgument(`cannot read ${what} file ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.invalidArgument(
      `${what} file ${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a non-negative integer");
  return Number(value);
}

function paging(options: { skip?: number; limit?: number }, extra: Record<string, string> = {}) {
  const q = new URLSearchParams(extra);
  q.set("skip", String(options.skip ?? 0));
  q.set("limit", String(options.limit ?? 10));
  return q.toString();
}

const enc = encodeURIComponent;

function groups(program: Command): void {
  const g = program.command("groups").description("manage groups");
  g.command("create")
    .description("create a group")
    .requiredOption("-n, --name <name>", "group name")
    .option("--description <text>", "description")
    .action(async (o: { name: string; description?: string }, cmd: Command) =>
      withClient(cmd, (c) =>
        c.call("POST", "/api/v1/usermgmt/groups", {
          name: o.name,
          ...(o.description === undefined ? {} : { description: o.description }),
        }),
      ),
    );
  g.command("adduser")
    .description("add a user to a group")
    .requiredOption("-n, --name <group>", "group name")
    .requiredOption("-u, --userid <id>", "user id, e.g. local|8791ce13-…")
    .action(async (o: { name: string; userid: string }, cmd: Command) =>
      withClient(cmd, (c) =>
        c.call("POST", `/api/v1/usermgmt/groups/${enc(o.name)}/users/${enc(o.userid)}`),
      ),
    );
  g.command("list")
    .description("list groups")
    .option("--skip <n>", "skip", count)
    .option("--limit <n>", "limit", count)
    .action(async (o: { skip?: number; limit?: number }, cmd: Command) =>
      withClient(cmd, (c) => c.call("GET", `/api/v1/usermgmt/groups?${paging(o)}`)),
    );
}

function users(program: Command): void {
  const u = program.command("users").description("manage users");
  u.command("create")
    .description("create a user (prints its user_id)")
    .requiredOption("-n, --name <username>", "user name")
    .requiredOption("-p, --pword <password>", "password")
    .option("-e, --email <email>", "e-mail address")
    .option("--fullname <name>", "full name")
    .action(
      async (o: { name: string; pword: string; email?: string; fullname?: string }, cmd: Command) =>
        withClient(cmd, (c) =>
          c.call("POST", "/api/v1/usermgmt/users", {
            username: o.name,
            password: o.pword,
            ...(o.email === undefined ? {} : { email: o.email }),
            ...(o.fullname === undefined ? {} : { name: o.fullname }),
          }),
        ),
    );
  u.command("list")
    .description("list users")
    .option("--username <name>", "only this user name")
    .option("--skip <n>", "skip", count)
    .option("--limit <n>", "limit", count)
    .action(async (o: { username?: string; skip?: number; limit?: number }, cmd: Command) =>
      withClient(cmd, (c) =>
        c.call(
          "GET",
          `/api/v1/usermgmt/users?${paging(o, o.username === undefined ? {} : { username: o.username })}`,
        ),
      ),
    );
}

function policies(program: Command): void {
  const p = program.command("policy").description("manage policies");
  p.command("create")
    .description("create a policy from a JSON file")
    .requiredOption("--jsonfile <file>", "policy JSON {name, allow, actions, resources}")
    .action(async (o: { jsonfile: string }, cmd: Command) =>
      withClient(cmd, (c) =>
        c.call("POST", "/api/v1/admin/policies", readJsonFile(o.jsonfile, "policy")),
      ),
    );
  const a = program.command("polattach").description("manage policy attachments");
  a.command("create")
    .description("attach a policy to the principals a selector file names")
    .requiredOption("-p, --polid <policy>", "policy name or id")
    .requiredOption(
      "-g, --prinjson <file>",
      'principal selector JSON, e.g. {"cust":{"groups":["G"]}}',
    )
    .action(async (o: { polid: string; prinjson: string }, cmd: Command) =>
      withClient(cmd, (c) =>
        c.call("POST", "/api/v1/admin/policy-attachments", {
          policy: o.polid,
          principalSelector: readJsonFile(o.prinjson, "principal selector"),
        }),
      ),
    );
}

function tokens(program: Command): void {
  const t = program.command("tokens").description("manage tokens");
  t.command("create")
    .description("log in with --user/--password (or the config's) and print the token answer")
    .option("--issue-rt", "also issue a refresh token")
    .option("--rt-life <minutes>", "refresh token lifetime", count)
    .option("--rt-unused-life <minutes>", "revoke the refresh token after this long unused", count)
    .action(
      async (o: { issueRt?: boolean; rtLife?: number; rtUnusedLife?: number }, cmd: Command) =>
        withClient(cmd, (c, flags) => {
          if (flags.user === undefined || flags.password === undefined) {
            throw errors.invalidArgument(
              "tokens create needs --user and --password (or KSCTL_USERNAME/KSCTL_PASSWORD)",
            );
          }
          return c.passwordGrant(flags.user, flags.password, {
            ...(o.issueRt === true ? { renew_refresh_token: true } : {}),
            ...(o.rtLife === undefined ? {} : { refresh_token_lifetime: o.rtLife }),
            ...(o.rtUnusedLife === undefined
              ? {}
              : { refresh_token_revoke_unused_in: o.rtUnusedLife }),
          });
        }),
    );
}

function secrets(program: Command): void {
  const s = program.command("secrets").description("vault secrets (debugging)");
  s.command("list")
    .description("list secrets")
    .option("--name <name>", "only names matching (* wildcard)")
    .option("--skip <n>", "skip", count)
    .option("--limit <n>", "limit", count)
    .action(async (o: { name?: string; skip?: number; limit?: number }, cmd: Command) =>
      withClient(cmd, (c) =>
        c.call(
          "GET",
          `/api/v1/vault/secrets?${paging(o, o.name === undefined ? {} : { name: o.name })}`,
        ),
      ),
    );
}

export function registerCommands(program: Command): void {
  groups(program);
  users(program);
  policies(program);
  tokens(program);
  secrets(program);
}
