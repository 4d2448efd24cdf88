import { errors } from "./errors.js";

/** Longest name KES accepts, in bytes. */
export const MAX_NAME_LENGTH = 80;

const NAME_CHAR = /^[0-9A-Za-z_-]$/;

function check(value: string, what: "name" | "pattern", allowStar: boolean): void {
  if (value.length === 0) throw errors.invalidArgument(`invalid argument: ${what} is empty`);
  if (Buffer.byteLength(value) > MAX_NAME_LENGTH) {
    throw errors.invalidArgument(`invalid argument: ${what} is too long`);
  }
  for (const c of value) {
    if (!(NAME_CHAR.test(c) || (allowStar && c === "*"))) {
      throw errors.invalidArgument(`invalid argument: ${what} contains invalid character`);
    }
  }
}

/** Validates a key, policy or identity name as KES 2023 does; throws invalid_argument. */
export function validateName(name: string): void {
  check(name, "name", false);
}

/** Validates a list pattern (names plus `*`) as KES 2023 does; throws invalid_argument. */
export function validatePattern(pattern: string): void {
  check(pattern, "pattern", true);
}

export function isValidName(name: string): boolean {
  try {
    validateName(name);
    return true;
  } catch {
    return false;
  }
}
