import { cm } from "../cm-errors.js";
import { pageOf, readPage } from "../http/paging.js";
import { emptyResponse, field, jsonObjectBody, jsonResponse } from "../http/responses.js";
import { type AuthedCall, bearerRoute, type Route } from "../http/router.js";
import { isAllowed, matchPattern } from "../policy/evaluate.js";
import type { SecretRecord } from "../state/model.js";
import type { SecretRefType } from "../state/store.js";
import { secretUri } from "../state/uris.js";
import { checkMaterialStrict, parseDataType, validateSecretName } from "./validate.js";
import { secretView } from "./view.js";

const REF_TYPES: readonly SecretRefType[] = ["name", "id", "uri"];

function refType(query: URLSearchParams): SecretRefType | undefined {
  const t = query.get("type");
  if (t === null) return undefined;
  if (!REF_TYPES.includes(t as SecretRefType)) {
    throw cm.invalidParam(`type must be one of ${REF_TYPES.join(", ")}`);
  }
  return t as SecretRefType;
}

function can(call: AuthedCall, action: Parameters<typeof isAllowed>[2], s: SecretRecord): boolean {
  return isAllowed(call.app.state, call.principal, action, secretUri(s.name));
}

/** The secret `{ref}` names, if it exists and the caller may see it (ReadKey); else 404. */
function visibleSecret(call: AuthedCall): SecretRecord {
  const ref = call.params.ref as string;
  const secret = call.app.state.findSecret(call.principal.domain, ref, refType(call.req.query));
  // Objects outside the caller's policy are invisible: 404, exactly like a missing one.
  if (secret === undefined || !can(call, "ReadKey", secret)) throw cm.notFound();
  return secret;
}

function create(call: AuthedCall) {
  const body = jsonObjectBody(call.req);
  const name = field.string(body, "name");
  validateSecretName(name);
  const dataType = parseDataType(body.dataType);
  if (typeof body.material !== "string") {
    throw cm.invalidParam("material is required and must be a string");
  }
  const material = body.material;
  if (call.app.settings.strictMaterial) checkMaterialStrict(dataType, material);
  const unexportable = field.optionalBoolean(body, "unexportable");
  const undeletable = field.optionalBoolean(body, "undeletable");
  if (!isAllowed(call.app.state, call.principal, "CreateKey", secretUri(name))) {
    throw cm.forbidden();
  }
  const secret = call.app.state.addSecret(call.principal.domain, {
    name,
    dataType,
    material,
    ...(unexportable === undefined ? {} : { unexportable }),
    ...(undeletable === undefined ? {} : { undeletable }),
    ...(body.meta === undefined ? {} : { meta: body.meta }),
  });
  return jsonResponse(201, secretView(secret));
}

function list(call: AuthedCall) {
  const page = readPage(call.req.query, call.app.settings);
  const name = call.req.query.get("name");
  const visible = call.app.state
    .secrets(call.principal.domain)
    .filter((s) => can(call, "ReadKey", s) && (name === null || matchPattern(name, s.name)));
  return jsonResponse(200, pageOf(visible.map(secretView), page));
}

function exportSecret(call: AuthedCall) {
  const secret = visibleSecret(call);
  if (!can(call, "ExportKey", secret)) {
    throw call.app.settings.exportDeniedStatus === 403 ? cm.forbidden() : cm.notFound();
  }
  if (secret.unexportable) throw cm.forbidden("secret is unexportable");
  call.app.state.markExported(secret);
  return jsonResponse(200, { ...secretView(secret), material: secret.material });
}

function remove(call: AuthedCall) {
  const secret = visibleSecret(call);
  // Without DeleteKey CM answers 404 too; KES cannot tell this from "already gone".
  if (!can(call, "DeleteKey", secret)) throw cm.notFound();
  if (secret.undeletable) throw cm.forbidden("secret is undeletable");
  call.app.state.deleteSecret(call.principal.domain, secret.id);
  return emptyResponse(204);
}

function metadata(call: AuthedCall) {
  return jsonResponse(200, secretView(visibleSecret(call)));
}

const SECRETS = /^\/api\/v1\/vault\/secrets\/?$/;
const SECRET = /^\/api\/v1\/vault\/secrets\/(?<ref>[^/]+)\/?$/;
const EXPORT = /^\/api\/v1\/vault\/secrets\/(?<ref>[^/]+)\/export\/?$/;

export const secretRoutes: readonly Route[] = [
  bearerRoute("POST", SECRETS, "secrets.create", create),
  bearerRoute("GET", SECRETS, "secrets.list", list),
  bearerRoute("POST", EXPORT, "secrets.export", exportSecret),
  bearerRoute("GET", SECRET, "secrets.get", metadata),
  bearerRoute("DELETE", SECRET, "secrets.delete", remove),
];
