// toProto / fromProto: the only place where crypto domain types meet the wire types.
import { create } from "@bufbuild/protobuf";
import {
  type Duration,
  DurationSchema,
  type Timestamp,
  TimestampSchema,
} from "@bufbuild/protobuf/wkt";
import { type Algorithm, errors, type KeyInfo, type KeyStoreStatus } from "@kes/core";
import {
  Algorithm as AlgorithmProto,
  type DescribeKeyResponse,
  DescribeKeyResponseSchema,
  type StatusResponse,
  StatusResponseSchema,
} from "@kes/proto";
import { FormatError } from "../formats/format-error.js";
import { formatRfc3339, parseRfc3339, ZERO_TIME } from "../formats/rfc3339.js";

export function algorithmToProto(algorithm: Algorithm | undefined): AlgorithmProto {
  switch (algorithm) {
    case "AES256-GCM_SHA256":
      return AlgorithmProto.AES256_GCM_SHA256;
    case "XCHACHA20-POLY1305":
      return AlgorithmProto.XCHACHA20_POLY1305;
    default:
      return AlgorithmProto.UNSPECIFIED;
  }
}

/** undefined for UNSPECIFIED; an unknown number is a caller error. */
export function algorithmFromProto(algorithm: AlgorithmProto): Algorithm | undefined {
  switch (algorithm) {
    case AlgorithmProto.UNSPECIFIED:
      return undefined;
    case AlgorithmProto.AES256_GCM_SHA256:
      return "AES256-GCM_SHA256";
    case AlgorithmProto.XCHACHA20_POLY1305:
      return "XCHACHA20-POLY1305";
    default:
      throw errors.invalidArgument(`key: invalid algorithm '${String(algorithm)}'`);
  }
}

export function timestampToProto(text: string): Timestamp {
  return create(TimestampSchema, parseRfc3339(text));
}

/** A missing timestamp is Go's zero time, which is what KES prints for it. */
export function timestampFromProto(timestamp: Timestamp | undefined): string {
  if (timestamp === undefined) return ZERO_TIME;
  try {
    return formatRfc3339(timestamp);
  } catch (err) {
    if (err instanceof FormatError) throw errors.internal(err);
    throw err;
  }
}

export function keyInfoToProto(info: KeyInfo): DescribeKeyResponse {
  return create(DescribeKeyResponseSchema, {
    name: info.name,
    id: info.id,
    algorithm: algorithmToProto(info.algorithm),
    createdAt: timestampToProto(info.createdAt),
    createdBy: info.createdBy ?? "",
    hasHmac: info.hasHmac,
  });
}

export function keyInfoFromProto(response: DescribeKeyResponse): KeyInfo {
  const algorithm = algorithmFromProto(response.algorithm);
  return {
    name: response.name,
    id: response.id,
    ...(algorithm === undefined ? {} : { algorithm }),
    createdAt: timestampFromProto(response.createdAt),
    ...(response.createdBy === "" ? {} : { createdBy: response.createdBy }),
    hasHmac: response.hasHmac,
  };
}

export function statusToProto(status: KeyStoreStatus): StatusResponse {
  return create(StatusResponseSchema, {
    reachable: status.reachable,
    latency: durationFromMs(status.latencyMs),
    backend: status.backend,
    endpoint: status.endpoint,
    detail: status.detail ?? "",
  });
}

export function statusFromProto(status: StatusResponse | undefined): KeyStoreStatus {
  if (status === undefined) throw errors.internal(new Error("status response without status"));
  return {
    reachable: status.reachable,
    latencyMs: status.latency === undefined ? 0 : durationToMs(status.latency),
    backend: status.backend,
    endpoint: status.endpoint,
    ...(status.detail === "" ? {} : { detail: status.detail }),
  };
}

function durationFromMs(ms: number): Duration {
  const whole = Math.max(0, Math.round(ms));
  return create(DurationSchema, {
    seconds: BigInt(Math.floor(whole / 1000)),
    nanos: (whole % 1000) * 1_000_000,
  });
}

function durationToMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1_000_000);
}
