import { isKesError } from "@kes/core";
import { checkHealth } from "@kes/crypto-service";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { loadServices, type ServiceFlags, splitListen } from "./services-common.js";

export interface HealthFlags extends ServiceFlags {
  /** host:port to probe instead of the service's own listen address. */
  readonly address?: string;
}

/**
 * `kes health crypto|keystore --config F`: one grpc.health.v1 Check, for container health
 * checks. By default it probes the service's listen address over loopback and checks the
 * certificate against the role's name, which every `kes tool certs internal` certificate
 * carries, with this process's own internal certificate. Exit 0 only when SERVING.
 */
export async function runHealth(
  service: "crypto" | "keystore",
  flags: HealthFlags,
  io: CliIo,
): Promise<void> {
  const { services, tls } = await loadServices("health", flags, io);
  const address = flags.address ?? loopback(services[service].listen);
  let status: string;
  try {
    status = await checkHealth({
      address,
      ...(tls === undefined ? {} : { tls, serverRole: service }),
      ...(tls === undefined || flags.address !== undefined ? {} : { serverName: service }),
    });
  } catch (err) {
    if (isKesError(err)) throw new CliError(err.message);
    throw err;
  }
  if (status !== "SERVING") throw new CliError(`${service} at ${address}: ${status}`);
  io.stdout.write(`${status}\n`);
}

function loopback(listen: string): string {
  const { host, port } = splitListen(listen);
  if (host === "0.0.0.0") return `127.0.0.1:${port}`;
  if (host === "::") return `[::1]:${port}`;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
