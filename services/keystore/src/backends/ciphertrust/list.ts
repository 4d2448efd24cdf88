import { errors, type Logger } from "@kes/core";

/** KES's page size. */
export const PAGE_SIZE = 200;
/** A scan never asks for more pages than this (a million names), whatever CM answers. */
export const MAX_PAGES = 5_000;

/** What one page request returns: CM's parsed JSON answer (status already checked). */
export type FetchPage = (skip: number) => Promise<unknown>;

function failure(message: string): Error {
  return errors.keystoreFailure(`CipherTrust Manager list: ${message}`);
}

function nonNegativeInt(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Every secret name CM lists, as KES scans them (ciphertrust.md §1.4): pages of 200 at
 * `skip`, the echoed skip must match, stop once the echoed skip reaches `total`. Guarded
 * where KES is not: an empty page while skip < total is asked for once more and then ends the
 * scan (KES would spin), an omitted `resources` counts as empty (KES would repeat the previous
 * page), names are de-duplicated, and there is a hard cap on pages.
 */
export async function scanNames(fetchPage: FetchPage, log: Logger): Promise<string[]> {
  const names = new Set<string>();
  let skip = 0;
  let emptyAt = -1;
  for (let pages = 1; pages <= MAX_PAGES; pages++) {
    const page = await fetchPage(skip);
    if (typeof page !== "object" || page === null || Array.isArray(page)) {
      throw failure("the answer is not a JSON object");
    }
    const { skip: echoed, total, resources } = page as Record<string, unknown>;
    if (echoed !== skip) {
      throw failure(`pagination is out-of-sync: asked for skip ${skip}, got ${String(echoed)}`);
    }
    if (!nonNegativeInt(total)) throw failure(`total is ${String(total)}, expected a count`);
    if (resources !== undefined && resources !== null && !Array.isArray(resources)) {
      throw failure("resources is not a list");
    }
    const items: unknown[] = resources ?? [];
    for (const item of items) {
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name !== "string") throw failure("a listed secret has no name");
      names.add(name);
    }
    if (skip >= total) return [...names];
    if (items.length === 0) {
      // CM promised more than it gives: KES would ask for this page forever. Asking once more
      // heals a passing glitch; a total that stays ahead of the secrets (stale, inflated, or
      // counting secrets the policy hides) ends the scan with what was listed.
      if (emptyAt !== skip) {
        emptyAt = skip;
        continue;
      }
      log.warn(
        { skip, total },
        "CipherTrust Manager listed an empty page before reaching its total; ending the scan",
      );
      return [...names];
    }
    skip += items.length;
  }
  throw failure(`more than ${MAX_PAGES} pages: giving up`);
}
