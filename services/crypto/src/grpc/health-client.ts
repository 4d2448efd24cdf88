import { create } from "@bufbuild/protobuf";
import { Client, credentials as grpcCredentials, Metadata } from "@grpc/grpc-js";
import { errors } from "@kes/core";
import { type ServiceRole, serverRoleCheck } from "@kes/keystore-service";
import {
  Health,
  HealthCheckRequestSchema,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@kes/proto";
import { grpcServiceDefinition } from "./service-definition.js";
import { loadTls, type ServiceTls } from "./tls.js";

export interface CheckHealthOptions {
  /** host:port of any grpc.health.v1 server (our crypto or keystore service, a plug-in). */
  readonly address: string;
  /** Mutual TLS; absent = plaintext. */
  readonly tls?: ServiceTls;
  /** With `tls`: the role the server's certificate must carry. */
  readonly serverRole?: ServiceRole;
  /**
   * With `tls`: the name checked against the server's certificate instead of the address's host,
   * e.g. the role name when probing a service over 127.0.0.1 from inside its own container.
   */
  readonly serverName?: string;
  /** The service to ask about; "" (default) = the server as a whole. */
  readonly service?: string;
  /** Default 5 s. */
  readonly timeoutMs?: number;
}

export type HealthStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN" | "UNKNOWN";

const CHECK = grpcServiceDefinition(Health).check;

/**
 * One grpc.health.v1 Check. Resolves with the status the server reports; a server that cannot
 * be reached (or refuses us) is a `service_unavailable` error naming the address.
 */
export function checkHealth(options: CheckHealthOptions): Promise<HealthStatus> {
  const tls = options.tls === undefined ? undefined : loadTls(options.tls);
  const channel =
    tls === undefined
      ? grpcCredentials.createInsecure()
      : grpcCredentials.createSsl(
          tls.ca,
          tls.key,
          tls.cert,
          options.serverRole === undefined
            ? {}
            : { checkServerIdentity: serverRoleCheck(options.serverRole) },
        );
  const client = new Client(
    options.address,
    channel,
    options.serverName === undefined ? {} : { "grpc.ssl_target_name_override": options.serverName },
  );
  const request = create(HealthCheckRequestSchema, { service: options.service ?? "" });
  return new Promise<HealthStatus>((resolve, reject) => {
    client.makeUnaryRequest(
      CHECK.path,
      CHECK.requestSerialize,
      CHECK.responseDeserialize,
      request,
      new Metadata(),
      { deadline: Date.now() + (options.timeoutMs ?? 5_000) },
      (err, response?: HealthCheckResponse) => {
        if (err || response === undefined) {
          reject(
            errors.serviceUnavailable(
              `service unavailable: no health answer from ${options.address}: ${err?.details ?? "empty response"}`,
              err,
            ),
          );
          return;
        }
        resolve((ServingStatus[response.status] as HealthStatus | undefined) ?? "UNKNOWN");
      },
    );
  }).finally(() => client.close());
}
