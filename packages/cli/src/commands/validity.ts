import { MAX_VALIDITY_DAYS, parseDuration } from "@kes/core";
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
  if (ms > MAX_VALIDITY_DAYS * DAY_MS) {
    throw new CliError(`invalid ${flag} '${text}': at most ${MAX_VALIDITY_DAYS * 24}h (100 years)`);
  }
  return ms / DAY_MS;
}

const DAY_MS = 86_400_000;
