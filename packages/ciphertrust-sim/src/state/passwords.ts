import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

// A low scrypt cost: this guards a simulator's state file, not production credentials,
// and tests log in often.
const SCRYPT = { N: 1024, r: 8, p: 1 } as const;

export function hashPassword(password: string): { hash: string; salt: string } {
  const salt = randomBytes(16).toString("hex");
  return { hash: scryptSync(password, salt, 32, SCRYPT).toString("hex"), salt };
}

export function verifyPassword(password: string, hash: string, salt: string): boolean {
  const expected = Buffer.from(hash, "hex");
  const actual = scryptSync(password, salt, 32, SCRYPT);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
