/** `kes identity ls [pattern]`: the identities the server knows (KES 2023 leaves the admin out). */
import type { IdentityInfo } from "@kes/client";
import type { Command } from "commander";
import { withClient } from "../client-env.js";
import type { CliIo } from "../io.js";
import { checkPattern } from "../names.js";
import { ndjson, shortDate, sortedBy, table, wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";

export function identityListText(identities: readonly IdentityInfo[]): string {
  if (identities.length === 0) return "";
  return table(
    ["Identity", "Policy", "Date"],
    sortedBy(identities, (i) => i.identity).map((i) => [
      i.identity,
      i.admin ? "(admin)" : (i.policy ?? "-"),
      i.createdAt === undefined ? "-" : shortDate(i.createdAt),
    ]),
  );
}

/** KES 2023's list lines. */
export function identityListJson(identities: readonly IdentityInfo[]): string {
  return ndjson(
    sortedBy(identities, (i) => i.identity).map((i) => ({
      identity: i.identity,
      admin: i.admin,
      policy: i.policy ?? "",
      ...(i.createdAt === undefined ? {} : { created_at: i.createdAt }),
      ...(i.createdBy === undefined ? {} : { created_by: i.createdBy }),
    })),
  );
}

export function registerLs(cmd: Command, io: CliIo): void {
  clientFlags(cmd, { json: 'print nd-json, one {"identity",…} per line' })
    .description("list identities")
    .argument("[pattern]", "only identities matching this glob", "*")
    .action((pattern: string, flags: ClientFlags) => {
      checkPattern(pattern, "identity pattern");
      return withClient(flags, io, async (client) => {
        const all: IdentityInfo[] = [];
        for await (const i of client.listIdentities(pattern)) all.push(i);
        io.stdout.write(
          wantsJson(flags, io.stdout) ? identityListJson(all) : identityListText(all),
        );
      });
    });
}
