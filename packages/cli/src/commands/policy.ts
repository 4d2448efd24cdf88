import type { KesClient } from "@kes/client";
import type { Command } from "commander";
import { withClient } from "../client-env.js";
import { type CliIo, processIo } from "../io.js";
import { checkNames, checkPattern } from "../names.js";
import { wantsJson } from "../output.js";
import { type ClientFlags, clientFlags } from "./client-flags.js";
import {
  policyInfoJson,
  policyInfoText,
  policyJson,
  policyListJson,
  policyListText,
  policyText,
} from "./policy-view.js";

/** Registers `kes policy info|show|ls`: the policies of the server's config, read only. */
export function register(program: Command, io: CliIo = processIo()): void {
  const policy = program.command("policy").description("show the server's policies");
  const run = (flags: ClientFlags, fn: (client: KesClient, json: boolean) => Promise<void>) =>
    withClient(flags, io, (client) => fn(client, wantsJson(flags, io.stdout)));

  clientFlags(policy.command("info"))
    .description("show when a policy was created and by whom")
    .argument("<name>", "name of the policy")
    .action((name: string, flags: ClientFlags) => {
      checkNames([name], "policy name");
      return run(flags, async (client, json) => {
        const info = await client.describePolicy(name);
        io.stdout.write(json ? policyInfoJson(info) : policyInfoText(info));
      });
    });

  clientFlags(policy.command("show"))
    .description("show a policy's allow and deny rules")
    .argument("<name>", "name of the policy")
    .action((name: string, flags: ClientFlags) => {
      checkNames([name], "policy name");
      return run(flags, async (client, json) => {
        const p = await client.readPolicy(name);
        io.stdout.write(json ? policyJson(p) : policyText(p));
      });
    });

  clientFlags(policy.command("ls"), { json: 'print nd-json, one {"name",…} per line' })
    .description("list policies")
    .argument("[pattern]", "only policies matching this glob", "*")
    .action((pattern: string, flags: ClientFlags) => {
      checkPattern(pattern, "policy pattern");
      return run(flags, async (client, json) => {
        const all = [];
        for await (const p of client.listPolicies(pattern)) all.push(p);
        io.stdout.write(json ? policyListJson(all) : policyListText(all));
      });
    });
}
