import { describe } from "node:test";
import { concurrencyCases } from "./cases/concurrency.js";
import { lifecycleCases } from "./cases/lifecycle.js";
import { listingCases } from "./cases/listing.js";
import { validationCases } from "./cases/validation.js";
import { valueCases } from "./cases/values.js";
import { suiteContext } from "./support.js";
import type { KeyStoreFactory, KeystoreContractOptions } from "./types.js";

/**
 * Registers the keystore behaviour suite (node:test describe/it blocks) for one backend.
 * Every test gets a fresh store from `factory` and cleans it up, pass or fail. A backend is
 * done when this suite is green against it.
 */
export function keystoreContract(
  name: string,
  factory: KeyStoreFactory,
  options: KeystoreContractOptions = {},
): void {
  const ctx = suiteContext(factory, options);
  describe(`keystore contract: ${name}`, () => {
    valueCases(ctx);
    validationCases(ctx);
    listingCases(ctx);
    concurrencyCases(ctx);
    lifecycleCases(ctx);
  });
}
