/** `kes identity info [<identity>]`: an identity as the server knows it; no argument: yourself. */
import type { IdentityInfo, SelfDescription } from "@kes/client";
import type { Command } from "commander";
import { withClient } from "../client-env.js";
import type { CliIo } from "../io.js";
import { checkNames } from "../names.js";
import { ndjson, rows, shortDate, wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";
import { patternLines } from "./policy-view.js";

const date = (at: string | undefined) => (at === undefined ? undefined : shortDate(at));

function dates(p: { readonly createdAt?: string; readonly createdBy?: string }) {
  return {
    ...(p.createdAt === undefined ? {} : { created_at: p.createdAt }),
    ...(p.createdBy === undefined ? {} : { created_by: p.createdBy }),
  };
}

export function identityInfoText(i: IdentityInfo): string {
  return rows([
    ["Identity", i.identity],
    i.admin ? ["Role", "admin"] : ["Policy", i.policy ?? "-"],
    ["Date", date(i.createdAt)],
    ["Owner", i.createdBy],
  ]);
}

/** KES 2023's describe shape, with the identity it is about. */
export function identityInfoJson(i: IdentityInfo): string {
  return ndjson([
    {
      identity: i.identity,
      ...(i.admin ? { admin: true } : {}),
      ...(i.policy === undefined ? {} : { policy: i.policy }),
      ...dates(i),
    },
  ]);
}

export function selfText(s: SelfDescription): string {
  const head = rows([
    ["Identity", s.identity],
    s.admin ? ["Role", "admin (every API, no policy)"] : ["Policy", s.policyName ?? "-"],
    ["Date", date(s.createdAt)],
    ["Owner", s.createdBy],
  ]);
  return s.admin
    ? head
    : head + patternLines("Allow", s.policy.allow) + patternLines("Deny", s.policy.deny);
}

/** KES 2023's self-describe shape. */
export function selfJson(s: SelfDescription): string {
  return ndjson([
    {
      identity: s.identity,
      ...(s.admin ? { admin: true } : {}),
      ...(s.policyName === undefined ? {} : { policy_name: s.policyName }),
      ...dates(s),
      policy: {
        ...(s.policy.allow.length === 0 ? {} : { allow: s.policy.allow }),
        ...(s.policy.deny.length === 0 ? {} : { deny: s.policy.deny }),
        ...dates(s.policy),
      },
    },
  ]);
}

export function registerInfo(cmd: Command, io: CliIo): void {
  clientFlags(cmd)
    .description("show an identity and its policy; without an argument, your own")
    .argument("[identity]", "the identity (64 hex characters); default: the caller's")
    .action((identity: string | undefined, flags: ClientFlags) => {
      if (identity !== undefined) checkNames([identity], "identity");
      return withClient(flags, io, async (client) => {
        const json = wantsJson(flags, io.stdout);
        if (identity === undefined) {
          const self = await client.selfDescribe();
          io.stdout.write(json ? selfJson(self) : selfText(self));
          return;
        }
        const info = await client.describeIdentity(identity);
        io.stdout.write(json ? identityInfoJson(info) : identityInfoText(info));
      });
    });
}
