import { isKesError, MAX_NAME_LENGTH, validateName, validatePattern } from "@kes/core";
import { CliError } from "./errors.js";

const CHARACTERS = "A-Z, a-z, 0-9, '-' and '_'";
const NAME_RULE = `a name is 1 to ${MAX_NAME_LENGTH} characters of ${CHARACTERS}`;
const PATTERN_RULE = `a pattern is at most ${MAX_NAME_LENGTH} characters of ${CHARACTERS} and '*'`;

/** The core's reason ("name contains invalid character"), without its "invalid argument: ". */
function checked(check: () => void, what: string, value: string, rule: string): void {
  try {
    check();
  } catch (err) {
    if (!isKesError(err, "invalid_argument")) throw err;
    const reason = err.message.replace(/^invalid argument: /, "");
    throw new CliError(`invalid ${what} ${JSON.stringify(value)}: ${reason}; ${rule}`);
  }
}

/**
 * Checks a key, policy or identity argument by KES's name rules (the gateway's own, from
 * @kes/core) before anything is sent: a name like `../my-app` would otherwise reach the server
 * as a different path. `what` names it in the error, e.g. "key name".
 */
export function checkNames(values: readonly string[], what: string): void {
  for (const value of values) checked(() => validateName(value), what, value, NAME_RULE);
}

/** Checks a list pattern the same way; an empty pattern lists everything, as on the server. */
export function checkPattern(pattern: string, what: string): void {
  if (pattern !== "") checked(() => validatePattern(pattern), what, pattern, PATTERN_RULE);
}
