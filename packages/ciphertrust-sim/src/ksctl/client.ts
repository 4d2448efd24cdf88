import { errors, KesError } from "@kes/core";
import { Agent, request } from "undici";
import type { KsctlConfig } from "./config.js";

/** A non-2xx answer from CM; the message is CM's own description. */
export class CmResponseError extends KesError {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super("invalid_argument", describe(status, body));
    this.status = status;
    this.body = body;
  }
}

function describe(status: number, body: unknown): string {
  if (typeof body === "object" && body !== null) {
    const b = body as { codeDesc?: unknown; message?: unknown };
    const parts = [b.codeDesc, b.message].filter((p) => typeof p === "string" && p.length > 0);
    if (parts.length > 0) return `${status}: ${parts.join(" - ")}`;
  }
  return `${status}: ${typeof body === "string" && body.length > 0 ? body.trim() : "request failed"}`;
}

/** A small REST client for CM: JSON in, JSON out, with timeouts on every call. */
export class CmClient {
  readonly #config: KsctlConfig;
  readonly #agent: Agent;
  #jwt: string | undefined;

  constructor(config: KsctlConfig) {
    this.#config = config;
    const ms = config.timeoutSeconds * 1000;
    this.#agent = new Agent({
      connect: { rejectUnauthorized: !config.noSslVerify, timeout: ms },
      headersTimeout: ms,
      bodyTimeout: ms,
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** One call; returns the parsed body of a 2xx answer, throws CmResponseError otherwise. */
  async call(method: string, path: string, body?: unknown, auth = true): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth) headers.authorization = `Bearer ${await this.#token()}`;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.#config.url}${path}`, {
        method: method as "GET",
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#config.timeoutSeconds * 1000),
      });
    } catch (err) {
      throw errors.serviceUnavailable(
        `cannot reach ${this.#config.url}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const text = await res.body.text();
    let parsed: unknown = text;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text (CM answers a missing token with plain text)
      }
    }
    if (res.statusCode < 200 || res.statusCode > 299)
      throw new CmResponseError(res.statusCode, parsed);
    return text.length === 0 ? {} : parsed;
  }

  /** Password grant; `extra` adds fields such as the refresh-token request. */
  async passwordGrant(
    username: string,
    password: string,
    extra: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const body = await this.call(
      "POST",
      "/api/v1/auth/tokens",
      { grant_type: "password", username, password, domain: this.#config.domain, ...extra },
      false,
    );
    return body as Record<string, unknown>;
  }

  async #token(): Promise<string> {
    if (this.#jwt !== undefined) return this.#jwt;
    const { username, password } = this.#config;
    if (username === undefined || password === undefined) {
      throw errors.invalidArgument(
        "no credentials: set KSCTL_USERNAME and KSCTL_PASSWORD in config.yaml, or pass --user and --password",
      );
    }
    const body = await this.passwordGrant(username, password);
    if (typeof body.jwt !== "string" || body.jwt.length === 0) {
      throw errors.serviceUnavailable("the token answer carried no jwt");
    }
    this.#jwt = body.jwt;
    return body.jwt;
  }
}
