/**
 * CipherTrust Manager's error model: a JSON body `{code, codeDesc, message?, requestID?}` with
 * the HTTP status. KES reads only `code` and `codeDesc`, so those carry the detail.
 *
 * These are wire errors of the *simulated* remote system, not KES domain errors: they are what
 * a CM would answer, and handlers throw them to produce exactly that answer.
 * Codes marked [unknown] in the reference are our choice (documented in the simulator guide).
 */
export class CmError extends Error {
  override readonly name = "CmError";
  readonly status: number;
  readonly code: number;
  readonly codeDesc: string;
  /** Optional human text; CM sends it in some answers only. */
  readonly detail: string | undefined;

  constructor(status: number, code: number, codeDesc: string, detail?: string) {
    super(detail === undefined ? codeDesc : `${codeDesc} (${detail})`);
    this.status = status;
    this.code = code;
    this.codeDesc = codeDesc;
    this.detail = detail;
  }

  /** The JSON body CM sends for this error. */
  toBody(requestId: string): Record<string, unknown> {
    return {
      code: this.code,
      codeDesc: this.codeDesc,
      ...(this.detail === undefined ? {} : { message: this.detail }),
      requestID: requestId,
    };
  }
}

export function isCmError(err: unknown): err is CmError {
  return err instanceof CmError;
}

/** CM's error codes as seen in public captures (403 and 409 codes are [unknown]: our choice). */
export const CM_CODES = {
  badRequest: 15,
  invalidParam: 9,
  unauthorized: 5,
  forbidden: 7,
  notFound: 16,
  conflict: 11,
  internal: 14,
} as const;

export const cm = {
  badRequest: (detail: string) =>
    new CmError(400, CM_CODES.badRequest, `NCERRBadRequest: ${detail}`),
  invalidParam: (detail: string) =>
    new CmError(400, CM_CODES.invalidParam, `NCERRInvalidParamValue: ${detail}`),
  unauthorized: (message = "Invalid token") =>
    new CmError(401, CM_CODES.unauthorized, "NCERRUnauthorizedAccess", message),
  forbidden: (detail = "Insufficient permissions") =>
    new CmError(403, CM_CODES.forbidden, `NCERRInsufficientPermissions: ${detail}`),
  notFound: () => new CmError(404, CM_CODES.notFound, "NCERRResourceNotFound: Resource not found"),
  conflict: (detail: string) => new CmError(409, CM_CODES.conflict, `NCERRConflict: ${detail}`),
  methodNotAllowed: () =>
    new CmError(405, CM_CODES.badRequest, "NCERRBadRequest: method not allowed"),
  tooLarge: (limit: number) =>
    new CmError(413, CM_CODES.badRequest, `NCERRBadRequest: request body exceeds ${limit} bytes`),
  internal: () => new CmError(500, CM_CODES.internal, "NCERRInternalServerError: unexpected error"),
};
