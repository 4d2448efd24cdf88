import { errors } from "@kes/core";

/** The crypto addresses a client dials: a list, or comma-separated `host:port` entries. */
export function cryptoAddresses(address: string | readonly string[]): string[] {
  const list = (typeof address === "string" ? address.split(",") : [...address]).map((a) =>
    a.trim(),
  );
  if (list.length === 0 || list.some((a) => a === "")) {
    throw errors.invalidArgument(
      "invalid argument: crypto service address is empty (expected host:port[,host:port...])",
    );
  }
  return list;
}
