/**
 * docker-compose.yml as the harness runs it: read with YAML merge keys (`<<: *anchor`),
 * interpolated like compose does, and each service reduced to what a container is made of.
 * Keys the harness does not model are refused, so nothing in the file goes untested.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { type Environment, interpolateDocument } from "./interpolate.js";

export class ComposeError extends Error {}

export type DependsCondition =
  | "service_started"
  | "service_healthy"
  | "service_completed_successfully";

export interface Mount {
  readonly type: "volume" | "bind";
  /** A volume name, or an absolute host path for a bind mount. */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface PortMapping {
  /** Host ports (a range like 7373-7374 gives one to each replica). */
  readonly hostPorts: readonly number[];
  readonly containerPort: number;
}

export interface Healthcheck {
  /** `CMD` arguments, or `sh -c` for `CMD-SHELL`. */
  readonly argv: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

export interface ComposeService {
  readonly name: string;
  /** The Dockerfile stage its image is built from. */
  readonly target: string;
  readonly entrypoint: readonly string[] | undefined;
  readonly command: readonly string[] | undefined;
  readonly environment: Readonly<Record<string, string>>;
  readonly mounts: readonly Mount[];
  readonly ports: readonly PortMapping[];
  readonly dependsOn: Readonly<Record<string, DependsCondition>>;
  readonly healthcheck: Healthcheck | undefined;
  readonly profiles: readonly string[];
  readonly restart: string;
}

export interface ComposeProject {
  /** The directory of the compose file: relative paths resolve here. */
  readonly dir: string;
  readonly services: ReadonlyMap<string, ComposeService>;
  readonly volumes: ReadonlySet<string>;
  /** Variables used without a value or default: compose warns and substitutes "". */
  readonly unsetVariables: readonly string[];
}

/**
 * The raw document (merge keys resolved, a private copy): tests may mutate it. YAML 1.2 as
 * compose v2 reads it; docker-compose v1's YAML 1.1 traps (a bare `no` is false, `22:22` a
 * number) are its own config check's to find (docker-compose-config.test.ts).
 */
export function readComposeDocument(file: string): Record<string, unknown> {
  const doc = parse(readFileSync(file, "utf8"), { merge: true }) as unknown;
  if (!isMap(doc)) throw new ComposeError(`${file}: not a YAML mapping`);
  return structuredClone(doc);
}

/** Reads a compose file the way `docker compose` does with `env` as the shell environment. */
export function loadCompose(file: string, env: Environment = {}): ComposeProject {
  return parseCompose(readComposeDocument(file), { dir: resolve(file, ".."), env });
}

const SERVICE_KEYS = new Set([
  "image",
  "build",
  "entrypoint",
  "command",
  "environment",
  "volumes",
  "ports",
  "expose", // documentation only: containers of one network reach every port of each other
  "depends_on",
  "healthcheck",
  "profiles",
  "restart",
]);

export function parseCompose(
  raw: Record<string, unknown>,
  options: { dir: string; env: Environment },
): ComposeProject {
  const unset: string[] = [];
  const doc = interpolateDocument(raw, options.env, unset) as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!["services", "volumes", "name"].includes(key) && !key.startsWith("x-")) {
      throw new ComposeError(`top-level '${key}': not modelled by the compose harness`);
    }
  }
  const volumes = new Set(Object.keys(mapAt(doc.volumes ?? {}, "volumes")));
  const rawServices = mapAt(doc.services, "services");
  const images = imageTargets(rawServices);
  const services = new Map<string, ComposeService>();
  for (const [name, value] of Object.entries(rawServices)) {
    services.set(name, parseService(name, mapAt(value, `services.${name}`), options.dir, images));
  }
  for (const service of services.values()) {
    for (const m of service.mounts) {
      if (m.type === "volume" && !volumes.has(m.source)) {
        throw new ComposeError(
          `services.${service.name}.volumes: volume '${m.source}' is not declared under volumes:`,
        );
      }
    }
    for (const dep of Object.keys(service.dependsOn)) {
      if (!services.has(dep)) {
        throw new ComposeError(`services.${service.name}.depends_on: no service '${dep}'`);
      }
    }
  }
  return { dir: options.dir, services, volumes, unsetVariables: [...new Set(unset)] };
}

/** image name -> Dockerfile target, from the services that build it. */
function imageTargets(services: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(services)) {
    const s = mapAt(value, `services.${name}`);
    if (s.build === undefined) continue;
    const target = buildTarget(s.build, name);
    if (typeof s.image === "string") {
      const known = out.get(s.image);
      if (known !== undefined && known !== target) {
        throw new ComposeError(`image ${s.image} is built from targets ${known} and ${target}`);
      }
      out.set(s.image, target);
    }
  }
  return out;
}

function buildTarget(build: unknown, service: string): string {
  const b = mapAt(build, `services.${service}.build`);
  if ((b.context ?? ".") !== "." || (b.dockerfile ?? "Dockerfile") !== "Dockerfile") {
    throw new ComposeError(
      `services.${service}.build: the harness models context "." and ./Dockerfile only`,
    );
  }
  if (typeof b.target !== "string") {
    throw new ComposeError(`services.${service}.build.target: name the Dockerfile stage`);
  }
  return b.target;
}

function parseService(
  name: string,
  s: Record<string, unknown>,
  dir: string,
  images: Map<string, string>,
): ComposeService {
  const at = `services.${name}`;
  for (const key of Object.keys(s)) {
    if (!SERVICE_KEYS.has(key)) {
      throw new ComposeError(`${at}.${key}: not modelled by the compose harness`);
    }
  }
  let target: string | undefined;
  if (s.build !== undefined) target = buildTarget(s.build, name);
  else if (typeof s.image === "string") target = images.get(s.image);
  if (target === undefined) {
    throw new ComposeError(`${at}: no image built by this file (build: or an image built here)`);
  }
  return {
    name,
    target,
    entrypoint: argv(s.entrypoint, `${at}.entrypoint`),
    command: argv(s.command, `${at}.command`),
    environment: environment(s.environment, `${at}.environment`),
    mounts: listAt(s.volumes ?? [], `${at}.volumes`).map((v, i) =>
      mount(v, dir, `${at}.volumes[${i}]`),
    ),
    ports: listAt(s.ports ?? [], `${at}.ports`).map((p, i) => port(p, `${at}.ports[${i}]`)),
    dependsOn: dependsOn(s.depends_on, `${at}.depends_on`),
    healthcheck: healthcheck(s.healthcheck, `${at}.healthcheck`),
    profiles: listAt(s.profiles ?? [], `${at}.profiles`).map((p) => String(p)),
    restart: restart(s.restart, `${at}.restart`),
  };
}

function argv(value: unknown, at: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    // The shell form would need a shell inside the image to split it: keep to the exec form.
    throw new ComposeError(`${at}: use the exec form, a list of strings`);
  }
  return value;
}

function environment(value: unknown, at: string): Record<string, string> {
  if (value === undefined) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const [k = "", ...v] = String(item).split("=");
      out[k] = v.join("=");
    }
    return out;
  }
  for (const [k, v] of Object.entries(mapAt(value, at))) {
    // compose v1 refuses booleans here (`false` must be "false").
    if (v === null || (typeof v !== "string" && typeof v !== "number")) {
      throw new ComposeError(`${at}.${k}: expected a string or a number`);
    }
    out[k] = String(v);
  }
  return out;
}

function mount(value: unknown, dir: string, at: string): Mount {
  if (typeof value !== "string") throw new ComposeError(`${at}: use the short form SOURCE:TARGET`);
  const [source = "", target = "", mode = "rw", ...extra] = value.split(":");
  if (target === "" || !target.startsWith("/") || extra.length > 0 || !/^(ro|rw)$/.test(mode)) {
    throw new ComposeError(`${at}: '${value}' is not SOURCE:/target[:ro|rw]`);
  }
  const bind = source.startsWith(".") || source.startsWith("/");
  return {
    type: bind ? "bind" : "volume",
    source: bind ? resolve(dir, source) : source,
    target: target.replace(/\/$/, ""),
    readOnly: mode === "ro",
  };
}

function port(value: unknown, at: string): PortMapping {
  const m = /^(?:(\d+)(?:-(\d+))?:)?(\d+)(?:\/tcp)?$/.exec(String(value));
  if (m === null) throw new ComposeError(`${at}: '${String(value)}' is not HOST:CONTAINER`);
  if (m[1] === undefined) {
    throw new ComposeError(`${at}: '${String(value)}': publish to a chosen host port`);
  }
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (last < first) throw new ComposeError(`${at}: '${String(value)}': an empty port range`);
  const hostPorts = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return { hostPorts, containerPort: Number(m[3]) };
}

const CONDITIONS = new Set([
  "service_started",
  "service_healthy",
  "service_completed_successfully",
]);

function dependsOn(value: unknown, at: string): Record<string, DependsCondition> {
  if (value === undefined) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((v) => [String(v), "service_started" as const]));
  }
  const out: Record<string, DependsCondition> = {};
  for (const [dep, spec] of Object.entries(mapAt(value, at))) {
    const s = mapAt(spec, `${at}.${dep}`);
    for (const key of Object.keys(s)) {
      if (key !== "condition") throw new ComposeError(`${at}.${dep}.${key}: not modelled`);
    }
    const condition = String(s.condition ?? "service_started");
    if (!CONDITIONS.has(condition)) {
      throw new ComposeError(`${at}.${dep}.condition: unknown condition '${condition}'`);
    }
    out[dep] = condition as DependsCondition;
  }
  return out;
}

function healthcheck(value: unknown, at: string): Healthcheck | undefined {
  if (value === undefined) return undefined;
  const h = mapAt(value, at);
  const test = h.test;
  let args: string[];
  if (Array.isArray(test) && test[0] === "CMD") args = test.slice(1).map(String);
  else if (Array.isArray(test) && test[0] === "CMD-SHELL") args = ["sh", "-c", String(test[1])];
  else if (typeof test === "string") args = ["sh", "-c", test];
  else
    throw new ComposeError(`${at}.test: expected ["CMD", ...], ["CMD-SHELL", "..."] or a string`);
  return {
    argv: args,
    intervalMs: duration(h.interval ?? "30s", `${at}.interval`),
    timeoutMs: duration(h.timeout ?? "30s", `${at}.timeout`),
    retries: Number(h.retries ?? 3),
    startPeriodMs: duration(h.start_period ?? "0s", `${at}.start_period`),
  };
}

function duration(value: unknown, at: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(String(value));
  if (m === null) throw new ComposeError(`${at}: '${String(value)}' is not a duration like 5s`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as "ms" | "s" | "m"];
}

function restart(value: unknown, at: string): string {
  const policy = String(value ?? "no");
  if (!/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(policy)) {
    throw new ComposeError(`${at}: unknown restart policy '${policy}'`);
  }
  return policy;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function mapAt(value: unknown, at: string): Record<string, unknown> {
  if (!isMap(value)) throw new ComposeError(`${at}: expected a mapping`);
  return value;
}

function listAt(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new ComposeError(`${at}: expected a list`);
  return value;
}
