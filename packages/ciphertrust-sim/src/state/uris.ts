/** CM resource URIs. CM lower-cases the name in a URI; policies match against these. */
export function secretUri(name: string): string {
  return `kylo:kylo:vault:secrets:${name.toLowerCase()}-v0`;
}

export function policyUri(name: string): string {
  return `kylo:kylo:admin:policies:${name.toLowerCase()}`;
}

export function attachmentUri(id: string): string {
  return `kylo:kylo:admin:policy-attachments:${id}`;
}

export const ACCOUNT = "kylo:kylo:admin:accounts:kylo";
export const APPLICATION = "ncryptify:gemalto:admin:apps:kylo";
export const DEV_ACCOUNT = "ncryptify:gemalto:admin:accounts:gemalto";
