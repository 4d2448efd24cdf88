import { FormatError } from "./format-error.js";

/** A point in time as protobuf's Timestamp holds it: seconds since the Unix epoch plus nanos. */
export interface Instant {
  readonly seconds: bigint;
  /** 0 … 999 999 999. */
  readonly nanos: number;
}

/** Go's zero time.Time, which KES prints for keys that never recorded a creation time. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

// Timestamp's range is years 0001 … 9999 (google/protobuf/timestamp.proto).
const MIN_SECONDS = -62135596800n;
const MAX_SECONDS = 253402300799n;

function daysInMonth(year: number, month: number): number {
  // The Gregorian calendar repeats every 400 years; this keeps Date.UTC out of years 0-99.
  return new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
}

/** Parses an RFC 3339 date-time (as Go's time.RFC3339Nano writes it); throws FormatError. */
export function parseRfc3339(text: string): Instant {
  const m = RFC3339.exec(text);
  if (m === null) throw new FormatError("created_at is not an RFC 3339 time");
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    throw new FormatError("created_at is out of range");
  }
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const offset = (offsetHours * 60 + offsetMinutes) * 60 * (m[8] === "-" ? -1 : 1);
  const seconds = BigInt(date.getTime() / 1000) - BigInt(offset);
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new FormatError("created_at is out of range");
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, "0"));
  return { seconds, nanos };
}

/** Formats in UTC like Go's RFC3339Nano: nanosecond precision, trailing zeros trimmed. */
export function formatRfc3339(instant: Instant): string {
  const { seconds, nanos } = instant;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new FormatError("timestamp is out of range");
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new FormatError("timestamp nanos are out of range");
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const fraction = nanos === 0 ? "" : `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}`;
  return `${base}${fraction}Z`;
}
