import { cm } from "../cm-errors.js";
import { SECRET_DATA_TYPES, type SecretDataType } from "../state/model.js";

const MAX_NAME = 256;

/** CM's real name rules are unknown; we refuse what could not be addressed in a URL path. */
export function validateSecretName(name: string): void {
  if (name.length > MAX_NAME) throw cm.invalidParam(`name must be at most ${MAX_NAME} characters`);
  if (name.includes("/")) throw cm.invalidParam("name must not contain '/'");
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw cm.invalidParam("name must not contain control characters");
}

export function parseDataType(value: unknown): SecretDataType {
  if (!SECRET_DATA_TYPES.includes(value as SecretDataType)) {
    throw cm.invalidParam(`dataType must be one of ${SECRET_DATA_TYPES.join(", ")}`);
  }
  return value as SecretDataType;
}

/**
 * ksctl documents seed material as hex and blob material as base64url. Old CM releases stored
 * KES's (non-hex) text verbatim, so this check is off unless the strictMaterial setting is on.
 */
export function checkMaterialStrict(dataType: SecretDataType, material: string): void {
  if (dataType === "seed" && !/^(?:[0-9a-fA-F]{2})+$/.test(material)) {
    throw cm.invalidParam("material must be hex-encoded for dataType seed");
  }
  if (dataType === "blob" && !/^[A-Za-z0-9_-]*={0,2}$/.test(material)) {
    throw cm.invalidParam("material must be base64url-encoded for dataType blob");
  }
}
