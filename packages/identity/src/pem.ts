import { errors } from "@kes/core";

/** One PEM block: its label (e.g. "CERTIFICATE") and the DER bytes it carries. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
  /** RFC 1421 headers such as `Proc-Type` (legacy encrypted keys); empty for most blocks. */
  readonly headers: Readonly<Record<string, string>>;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when `text` looks like PEM rather than DER or garbage. */
export function isPem(text: string): boolean {
  return /^\s*-----BEGIN /.test(text);
}

/** Every well-formed PEM block in `text`, in order. Malformed base64 is an error. */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1] as string;
    const headers: Record<string, string> = {};
    const body: string[] = [];
    for (const raw of (m[2] as string).split(/\r?\n/)) {
      const line = raw.trim();
      const colon = line.indexOf(":");
      if (body.length === 0 && colon > 0) {
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      } else if (line !== "") {
        body.push(line);
      }
    }
    const b64 = body.join("");
    if (!BASE64.test(b64) || b64.length % 4 !== 0) {
      throw errors.invalidArgument(`invalid PEM: the ${label} block is not valid base64`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(b64, "base64")), headers });
  }
  return blocks;
}

/** Encodes DER as a PEM block with 64-character lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
