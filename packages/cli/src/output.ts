/**
 * What `kes key` prints (kes-api.md §9.4). On a terminal: short friendly lines. Piped or with
 * --json: JSON, with no trailing newline where KES 2023 wrote none (encrypt, decrypt, dek).
 */
import { encodeBase64, type KeyDescription } from "@kes/client";

/** Whether to print JSON: asked for, or stdout is not a terminal. */
export function wantsJson(flags: { readonly json?: boolean }, stdout: { readonly isTTY: boolean }) {
  return flags.json === true || !stdout.isTTY;
}

/** RFC 3339 → "2006-01-02 15:04:05" in the time's own offset, as KES shows dates. */
function shortDate(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(rfc3339);
  return m === null ? rfc3339 : `${m[1]} ${m[2]}`;
}

function rows(pairs: [label: string, value: string | undefined][]): string {
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== "")
    .map(([label, value]) => `${label.padEnd(11)} ${value}\n`)
    .join("");
}

export function keyInfoText(info: KeyDescription): string {
  return rows([
    ["Name", info.name],
    ["ID", info.id],
    ["Algorithm", info.algorithm],
    ["Date", info.createdAt === undefined ? undefined : shortDate(info.createdAt)],
    ["Owner", info.createdBy],
  ]);
}

/** kes-go's KeyInfo JSON (`omitempty` fields left out), one line. */
export function keyInfoJson(info: KeyDescription): string {
  const out = {
    name: info.name,
    ...(info.id === undefined ? {} : { id: info.id }),
    ...(info.algorithm === undefined ? {} : { algorithm: info.algorithm }),
    ...(info.createdAt === undefined ? {} : { created_at: info.createdAt }),
    ...(info.createdBy === undefined ? {} : { created_by: info.createdBy }),
  };
  return `${JSON.stringify(out)}\n`;
}

/** Sorted names under a "Key" heading; nothing at all for an empty list. */
export function keyListText(names: readonly string[]): string {
  return names.length === 0
    ? ""
    : `Key\n${[...names]
        .sort()
        .map((n) => `${n}\n`)
        .join("")}`;
}

/** nd-json, one `{"name":…}` per line, as the 2023 server sends it. */
export function keyListJson(names: readonly string[]): string {
  return [...names]
    .sort()
    .map((name) => `${JSON.stringify({ name })}\n`)
    .join("");
}

export function ciphertextOutput(ciphertext: Uint8Array, json: boolean): string {
  const b64 = encodeBase64(ciphertext);
  return json ? JSON.stringify({ ciphertext: b64 }) : `ciphertext: ${b64}\n`;
}

export function plaintextOutput(plaintext: Uint8Array, json: boolean): string {
  const b64 = encodeBase64(plaintext);
  return json ? JSON.stringify({ plaintext: b64 }) : `plaintext: ${b64}\n`;
}

export function dataKeyOutput(
  key: { readonly plaintext: Uint8Array; readonly ciphertext: Uint8Array },
  json: boolean,
): string {
  const plaintext = encodeBase64(key.plaintext);
  const ciphertext = encodeBase64(key.ciphertext);
  return json
    ? JSON.stringify({ plaintext, ciphertext })
    : `plaintext:  ${plaintext}\nciphertext: ${ciphertext}\n`;
}
