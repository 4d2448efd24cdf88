import { performance } from "node:perf_hooks";
import {
  type CallOptions,
  errors,
  isKesError,
  isValidName,
  type KeyStore,
  type KeyStoreStatus,
  type ListPage,
  type ListRequest,
  type Logger,
  validateName,
} from "@kes/core";
import { checkListRequest, checkValue, throwIfAborted } from "../../validate.js";
import { pageOfNames } from "../listing.js";
import type { Settings } from "./config.js";
import { cmErrorFields, describeCmError, parseCmError, TransportError } from "./errors.js";
import type { CmAnswer, CmHttp, CmRequest } from "./http.js";
import { PAGE_SIZE, scanNames } from "./list.js";
import type { TokenKeeper } from "./token.js";
import { fromMaterial, toMaterial } from "./values.js";

export const KIND = "gemalto.keysecure";

const SECRETS = "/api/v1/vault/secrets";
/** KES reads at most 2 MiB of an export; our values reach 1 MiB, and JSON escapes can grow it. */
const MAX_EXPORT_ANSWER = 8 << 20;
const MAX_LIST_PAGE = 32 << 20;
const MAX_OTHER_ANSWER = 1 << 20;
const STATUS_TIMEOUT_MS = 5_000;

type Op = "create" | "get" | "delete" | "list";

/** The KeyStore over CipherTrust Manager's vault secrets (ciphertrust.md §1.3). */
export class CipherTrustKeyStore implements KeyStore {
  readonly kind = KIND;
  readonly endpoint: string;
  readonly #settings: Settings;
  readonly #http: CmHttp;
  readonly #tokens: TokenKeeper;
  readonly #log: Logger;
  #closed = false;

  constructor(settings: Settings, http: CmHttp, tokens: TokenKeeper, log: Logger) {
    this.endpoint = settings.endpoint;
    this.#settings = settings;
    this.#http = http;
    this.#tokens = tokens;
    this.#log = log;
  }

  async create(name: string, value: Uint8Array, options?: CallOptions): Promise<void> {
    validateName(name);
    checkValue(value);
    this.#enter(options);
    const material = toMaterial(value);
    // KES's body, keys in KES's order.
    const json = JSON.stringify({ dataType: "seed", material, name });
    const answer = await this.#call("create", name, {
      method: "POST",
      path: SECRETS,
      json,
      maxBodyBytes: MAX_OTHER_ANSWER,
      ...signalOf(options),
    });
    if (answer.status === 201) return;
    if (answer.status === 409) {
      if (answer.attempts > 1 && (await this.#holds(name, material, options))) {
        // An earlier attempt was committed but its answer was lost: the key is ours.
        this.#log.info(
          { op: "create", name },
          "CipherTrust create was retried after CM had committed it; same material, so it succeeded",
        );
        return;
      }
      throw errors.keyExists();
    }
    throw this.#unexpected("create", name, answer);
  }

  async get(name: string, options?: CallOptions): Promise<Uint8Array> {
    validateName(name);
    this.#enter(options);
    const material = await this.#export("get", name, options);
    if (material === undefined) throw errors.keyNotFound();
    const value = fromMaterial(material);
    if (value === undefined) {
      throw this.#failure(
        "get",
        `the material of key "${name}" is marked binary but is not base64`,
      );
    }
    return value;
  }

  async delete(name: string, options?: CallOptions): Promise<void> {
    validateName(name);
    this.#enter(options);
    const answer = await this.#call("delete", name, {
      method: "DELETE",
      path: `${SECRETS}/${name}?type=name`,
      maxBodyBytes: MAX_OTHER_ANSWER,
      ...signalOf(options),
    });
    if (answer.status === 204) return;
    // CM answers 404 both for a missing secret and for one the policy hides (no DeleteKey):
    // KES reports success in both cases, and so do we (docs/ciphertrust.md explains).
    if (answer.status === 404 && isCmAnswer(answer)) {
      this.#log.debug(
        { op: "delete", name },
        "CipherTrust Manager answered 404: nothing to delete (or not allowed to see it)",
      );
      return;
    }
    throw this.#unexpected("delete", name, answer);
  }

  async list(request: ListRequest, options?: CallOptions): Promise<ListPage> {
    const checked = checkListRequest(request);
    this.#enter(options);
    const all = await scanNames(async (skip) => {
      const answer = await this.#call("list", undefined, {
        method: "GET",
        path: `${SECRETS}?limit=${PAGE_SIZE}&skip=${skip}`,
        maxBodyBytes: MAX_LIST_PAGE,
        ...signalOf(options),
      });
      if (answer.status !== 200) throw this.#unexpected("list", undefined, answer);
      return parseJson(answer.body, () => this.#failure("list", "a page is not JSON"));
    }, this.#log).catch((err: unknown) => {
      throw isKesError(err) ? err : this.#failure("list", String(err));
    });
    // CM may hold secrets that are not KES keys (other applications, CM's own): skip those.
    const names = all.filter(isValidName);
    if (names.length !== all.length) {
      this.#log.debug(
        { skipped: all.length - names.length },
        "CipherTrust list: skipped names that are not KES key names",
      );
    }
    return pageOfNames(names, checked);
  }

  async status(options?: CallOptions): Promise<KeyStoreStatus> {
    this.#enter(options);
    const base = { backend: KIND, endpoint: this.endpoint };
    const start = performance.now();
    try {
      // KES's probe: GET the endpoint itself; any HTTP answer means reachable.
      await this.#http.probe(
        "",
        Math.min(STATUS_TIMEOUT_MS, this.#settings.timeoutMs),
        options?.signal,
      );
      return { reachable: true, latencyMs: performance.now() - start, ...base };
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      return { reachable: false, latencyMs: performance.now() - start, ...base, detail };
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#tokens.close();
    await this.#http.close();
  }

  /** The material CM holds for `name`, or undefined when CM says there is no such secret. */
  async #export(op: Op, name: string, options?: CallOptions): Promise<string | undefined> {
    // KES's export: POST with no body and no Content-Type.
    const answer = await this.#call(op, name, {
      method: "POST",
      path: `${SECRETS}/${name}/export?type=name`,
      maxBodyBytes: MAX_EXPORT_ANSWER,
      ...signalOf(options),
    });
    // A 404 is "not found" only when CM says so: a proxy's 404 page is an outage.
    if (answer.status === 404 && isCmAnswer(answer)) return undefined;
    if (answer.status !== 200) throw this.#unexpected(op, name, answer);
    const parsed = parseJson(answer.body, () =>
      this.#failure(op, `the export of "${name}" is not JSON`),
    );
    const material = (parsed as { material?: unknown } | null)?.material;
    if (typeof material !== "string") {
      throw this.#failure(op, `the export of "${name}" has no material`);
    }
    return material;
  }

  /** After a retried create got 409: does CM hold exactly what we tried to write? */
  async #holds(name: string, material: string, options?: CallOptions): Promise<boolean> {
    try {
      return (await this.#export("create", name, options)) === material;
    } catch (err) {
      this.#log.warn(
        { op: "create", name, error: (err as Error).message },
        "CipherTrust: cannot check a retried create",
      );
      throw isKesError(err) ? err : this.#failure("create", String(err));
    }
  }

  /**
   * A data call with the current access token. On a 401 the token is renewed (once, shared
   * with concurrent callers) and the call is sent once more.
   */
  async #call(
    op: Op,
    name: string | undefined,
    request: Omit<CmRequest, "op" | "authorization">,
  ): Promise<CmAnswer> {
    const stale = this.#tokens.header;
    const first = await this.#send(op, { ...request, op, authorization: stale });
    if (first.status !== 401) return first;
    let fresh: string;
    try {
      fresh = await this.#tokens.renewAfterRefusal(stale);
    } catch (err) {
      this.#log.error(
        { op, name, error: (err as Error).message },
        "CipherTrust Manager refused the access token and it cannot be renewed",
      );
      throw this.#failure(
        op,
        `the access token was refused (401) and could not be renewed: ${(err as Error).message}`,
      );
    }
    const second = await this.#send(op, { ...request, op, authorization: fresh });
    // Attempts before the 401 that failed with a 5xx or a broken connection may have reached
    // CM too: they count for recognising a create that CM committed.
    return { ...second, attempts: second.attempts + first.attempts - 1 };
  }

  async #send(op: Op, request: CmRequest): Promise<CmAnswer> {
    this.#enter(request.signal === undefined ? undefined : { signal: request.signal });
    try {
      return await this.#http.send(request);
    } catch (err) {
      if (err instanceof TransportError) {
        if (err.kind === "closed" || this.#closed)
          throw errors.keystoreFailure("CipherTrust keystore: closed");
        // The failure carries this message up to whoever logs it once (the keystore service,
        // or the crypto service in kes server); a warn line here would repeat it.
        this.#log.debug(
          { op, kind: err.kind, error: err.message },
          "CipherTrust Manager request failed",
        );
        throw this.#failure(op, err.message);
      }
      throw this.#failure(op, String(err));
    }
  }

  /** An answer the operation does not expect: logged with CM's codeDesc, then a failure. */
  #unexpected(op: Op, name: string | undefined, answer: CmAnswer): Error {
    const info = parseCmError(answer.status, answer.contentType, answer.body);
    this.#log.error(
      {
        op,
        ...(name === undefined ? {} : { name }),
        attempts: answer.attempts,
        ...cmErrorFields(info),
      },
      "CipherTrust Manager answered with an error",
    );
    return this.#failure(op, describeCmError(info));
  }

  #failure(op: Op, detail: string): Error {
    return errors.keystoreFailure(`CipherTrust Manager ${op} failed: ${detail}`);
  }

  #enter(options: CallOptions | undefined): void {
    if (this.#closed) throw errors.keystoreFailure("CipherTrust keystore: closed");
    throwIfAborted(options, "CipherTrust");
  }
}

function signalOf(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

function isCmAnswer(answer: CmAnswer): boolean {
  return parseCmError(answer.status, answer.contentType, answer.body).isCmBody;
}

function parseJson(body: Buffer, onError: () => Error): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw onError();
  }
}
