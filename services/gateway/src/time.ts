/** Go's zero time.Time, as KES prints it. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** RFC 3339 in UTC with trailing zero fractions trimmed, as Go's time.Time marshals. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.?0+Z$/, "Z");
}
