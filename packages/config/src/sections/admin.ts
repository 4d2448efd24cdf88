import type { ConfigNode } from "../node.js";

const IDENTITY = /^[0-9a-f]{64}$/;

/**
 * The admin identity from `admin.identity` or the legacy top-level `root` (kes-api.md §4.2).
 * Any value that is not an identity (KES's user guide writes `root: disabled`) disables the
 * admin: null.
 */
export function parseAdmin(admin: ConfigNode, root: ConfigNode): string | null {
  const fields = admin.fields(["identity"]);
  const identity = fields.identity;
  if (identity.present && root.present) {
    root.fail("both admin.identity and the legacy root are set: keep only admin.identity");
  }
  const source: ConfigNode = root.present ? root : identity;
  const value = source.string()?.trim();
  if (value === undefined || value === "") {
    source.fail(
      'no admin identity specified: set admin.identity (or the legacy root) to the identity of the admin, or to "disabled" to have no admin',
    );
  }
  if (IDENTITY.test(value)) return value;
  if (/^[0-9a-fA-F]{32,}$/.test(value)) {
    source.warn(
      "this looks like an identity but is not 64 lowercase hex characters, so it can never match a client: the admin is disabled",
    );
  }
  return null;
}
