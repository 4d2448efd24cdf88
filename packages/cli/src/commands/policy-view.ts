/** What `kes policy info|show|ls` prints. JSON keeps KES 2023's field names. */
import type { Policy, PolicyInfo } from "@kes/client";
import { ndjson, rows, shortDate, shortIdentity, sortedBy, table } from "../output.js";

const date = (at: string | undefined) => (at === undefined ? undefined : shortDate(at));

function dates(p: { readonly createdAt?: string; readonly createdBy?: string }) {
  return {
    ...(p.createdAt === undefined ? {} : { created_at: p.createdAt }),
    ...(p.createdBy === undefined ? {} : { created_by: p.createdBy }),
  };
}

export function policyInfoText(p: PolicyInfo): string {
  return rows([
    ["Name", p.name],
    ["Date", date(p.createdAt)],
    ["Owner", p.createdBy],
  ]);
}

export function policyInfoJson(p: PolicyInfo): string {
  return ndjson([{ name: p.name, ...dates(p) }]);
}

/** Patterns one per line, aligned under the first; "-" for none. */
export function patternLines(label: string, patterns: readonly string[]): string {
  const [first = "-", ...rest] = patterns;
  return rows([[label, first]]) + rest.map((p) => `${" ".repeat(12)}${p}\n`).join("");
}

export function policyText(p: Policy): string {
  return (
    rows([["Name", p.name]]) +
    patternLines("Allow", p.allow) +
    patternLines("Deny", p.deny) +
    rows([
      ["Date", date(p.createdAt)],
      ["Owner", p.createdBy],
    ])
  );
}

export function policyJson(p: Policy): string {
  return ndjson([{ name: p.name, allow: p.allow, deny: p.deny, ...dates(p) }]);
}

export function policyListText(policies: readonly PolicyInfo[]): string {
  if (policies.length === 0) return "";
  return table(
    ["Policy", "Date", "Owner"],
    sortedBy(policies, (p) => p.name).map((p) => [
      p.name,
      date(p.createdAt) ?? "-",
      shortIdentity(p.createdBy),
    ]),
  );
}

export function policyListJson(policies: readonly PolicyInfo[]): string {
  return ndjson(sortedBy(policies, (p) => p.name).map((p) => ({ name: p.name, ...dates(p) })));
}
