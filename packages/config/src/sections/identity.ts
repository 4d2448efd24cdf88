import type { ConfigNode } from "../node.js";

const IDENTITY = /^[0-9a-f]{64}$/;

/**
 * An identity value (after `${VAR}` substitution): 64 lowercase hex characters. KES accepted
 * any string here, but anything else can never match a client, so we refuse it and say why.
 */
export function parseIdentity(node: ConfigNode): string {
  const value = node.string()?.trim() ?? "";
  if (value === "") {
    const variable = node.variable();
    node.fail(
      "the identity is empty" +
        (variable === undefined ? "" : ` (environment variable ${variable} is set but empty)`),
    );
  }
  if (IDENTITY.test(value)) return value;
  const why = /^[0-9a-fA-F]{64}$/.test(value)
    ? "identities are lowercase hex, so this one could never match a client"
    : "an identity is 64 lowercase hex characters (the SHA-256 of a certificate's public key, " +
      "as `kes identity of` prints it), so this one could never match a client";
  return node.fail(`'${value}' is not an identity: ${why}`);
}
