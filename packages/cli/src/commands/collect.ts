/** Repeated flags also take comma-separated lists, as KES's flag parsing did. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return (previous ?? []).concat(
    value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );
}
