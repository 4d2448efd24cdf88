import { createHash } from "node:crypto";
import type { SecretRecord } from "../state/model.js";
import { ACCOUNT, APPLICATION, DEV_ACCOUNT, secretUri } from "../state/uris.js";

/** The resource JSON CM returns for a secret (never with material; export adds it). */
export function secretView(s: SecretRecord): Record<string, unknown> {
  const material = Buffer.from(s.material, "utf8");
  return {
    id: s.id,
    uri: secretUri(s.name),
    account: ACCOUNT,
    application: APPLICATION,
    devAccount: DEV_ACCOUNT,
    createdAt: s.createdAt,
    name: s.name,
    updatedAt: s.updatedAt,
    activationDate: s.createdAt,
    state: "Active",
    meta: s.meta,
    objectType: s.dataType === "blob" ? "Opaque Object" : "Secret Data",
    sha1Fingerprint: createHash("sha1").update(material).digest("hex"),
    sha256Fingerprint: createHash("sha256").update(material).digest("hex"),
    version: 0,
    ...(s.dataType === "blob" ? { algorithm: "OPAQUE" } : {}),
    unexportable: s.unexportable,
    undeletable: s.undeletable,
    neverExported: s.neverExported,
    neverExportable: s.unexportable,
    emptyMaterial: s.material.length === 0,
    uuid: s.uuid,
    dataType: s.dataType,
  };
}
