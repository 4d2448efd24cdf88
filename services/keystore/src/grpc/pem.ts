import { readFileSync } from "node:fs";
import { errors } from "@kes/core";

/**
 * TLS material is given either as PEM text or as the path of a PEM file (config files name
 * paths, tests pass text). Read once at startup, so a bad path fails there, naming itself.
 */
export function loadPem(value: string, what: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw errors.invalidArgument(`invalid argument: TLS ${what} is empty`);
  }
  if (value.includes("-----BEGIN ")) return value;
  let text: string;
  try {
    text = readFileSync(value, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw errors.invalidArgument(
      `invalid argument: cannot read TLS ${what} file "${value}": ${String(code ?? err)}`,
    );
  }
  if (!text.includes("-----BEGIN ")) {
    throw errors.invalidArgument(`invalid argument: TLS ${what} file "${value}" is not PEM`);
  }
  return text;
}
