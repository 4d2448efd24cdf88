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
export function shortDate(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(rfc3339);
  return m === null ? rfc3339 : `${m[1]} ${m[2]}`;
}

export function rows(pairs: [label: string, value: string | undefined][]): string {
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

/**
 * A table for a terminal: a header row and left-aligned columns two spaces apart. Rows are
 * printed in the order given (callers sort); no trailing spaces.
 */
export function table(headers: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) =>
    Math.max(width(h), ...body.map((row) => width(row[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    `${cells
      .map((cell, i) => (i === cells.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join("  ")
      .trimEnd()}\n`;
  return line(headers) + body.map(line).join("");
}

/** Display width: code points, so "≤" and "█" count as one column. */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number): string {
  return text + " ".repeat(Math.max(0, to - width(text)));
}

/** Whole units, largest first: "3d 4h", "1h 2m 5s", "42s". */
export function formatUptime(seconds: number): string {
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const) {
    if (rest >= size || parts.length > 0) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  parts.push(`${rest}s`);
  // Days make seconds noise.
  return (parts.length > 3 ? parts.slice(0, 2) : parts).join(" ");
}

/** A latency for people: "850µs", "12.3ms", "1.25s". */
export function formatLatency(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${trim(ms < 10 ? ms.toFixed(1) : ms.toFixed(0))}ms`;
  return `${trim((ms / 1000).toFixed(2))}s`;
}

/** Bytes in binary units: "688 KiB", "2.6 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : trim(value.toFixed(1))} ${units[unit]}`;
}

function trim(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** The first characters of an identity, enough to tell identities apart in a table. */
export function shortIdentity(identity: string | undefined): string {
  if (identity === undefined || identity === "") return "-";
  return identity.length > 12 ? `${identity.slice(0, 8)}…` : identity;
}

/** Sorted by a text key, in code-unit order (as `kes key ls` sorts). */
export function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** One JSON value per line (nd-json). */
export function ndjson(values: readonly unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join("");
}
