/**
 * Proto <-> domain at the gRPC edge. Services and backends only see the domain types of
 * @kes/core; the wire types stop here.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, DurationSchema } from "@bufbuild/protobuf/wkt";
import type { KeyStoreStatus, ListPage, ListRequest } from "@kes/core";
import type {
  ListRequest as ListRequestProto,
  ListRequestSchema,
  ListResponse,
  ListResponseSchema,
  StatusResponse,
  StatusResponseSchema,
} from "@kes/proto";

/** Milliseconds (fractions kept down to the nanosecond) to a Duration. */
export function durationToProto(ms: number): Duration {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  const seconds = Math.floor(safe / 1000);
  const nanos = Math.min(999_999_999, Math.round((safe - seconds * 1000) * 1e6));
  return create(DurationSchema, { seconds: BigInt(seconds), nanos });
}

export function durationFromProto(duration: Duration | undefined): number {
  if (duration === undefined) return 0;
  const ms = Number(duration.seconds) * 1000 + duration.nanos / 1e6;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

export function statusToProto(
  status: KeyStoreStatus,
): MessageInitShape<typeof StatusResponseSchema> {
  return {
    reachable: status.reachable,
    latency: durationToProto(status.latencyMs),
    backend: status.backend,
    endpoint: status.endpoint,
    detail: status.detail ?? "",
  };
}

export function statusFromProto(response: StatusResponse): KeyStoreStatus {
  const status = {
    reachable: response.reachable,
    latencyMs: durationFromProto(response.latency),
    backend: response.backend,
    endpoint: response.endpoint,
  };
  return response.detail === "" ? status : { ...status, detail: response.detail };
}

/** `limit` must already be checked: a uint32, 0 meaning the server's default. */
export function listRequestToProto(
  request: ListRequest,
  limit: number,
): MessageInitShape<typeof ListRequestSchema> {
  return { prefix: request.prefix, pageToken: request.pageToken ?? "", limit };
}

export function listRequestFromProto(request: ListRequestProto): ListRequest {
  return { prefix: request.prefix, pageToken: request.pageToken, limit: request.limit };
}

export function listPageToProto(page: ListPage): MessageInitShape<typeof ListResponseSchema> {
  return { names: page.names, nextPageToken: page.nextPageToken };
}

export function listPageFromProto(response: ListResponse): ListPage {
  return { names: [...response.names], nextPageToken: response.nextPageToken };
}
