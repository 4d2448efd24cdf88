import { parseDuration } from "@kes/core";
import { CliError } from "../errors.js";

/** A `--expiry`/`--time` duration in days, refused with the flag's name when out of range. */
export function validity(text: string, flag: string, example = "720h or 2160h"): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new CliError(`invalid ${flag} '${text}': expected a duration such as ${example}`);
  }
  if (!(ms > 0)) throw new CliError(`invalid ${flag} '${text}': it must be more than 0`);
  // The same limit as @kes/identity's MAX_VALIDITY_DAYS (that package loads only when needed).
  if (ms > MAX_VALIDITY_MS) {
    throw new CliError(`invalid ${flag} '${text}': at most 876000h (100 years)`);
  }
  return ms / 86_400_000;
}

const MAX_VALIDITY_MS = 36_500 * 86_400_000;
