/** Runs the suite against mapStore(KES_CONTRACT_FLAW); spawned by contract.test.ts. */
import { keystoreContract } from "../contract.js";
import { type Flaw, mapStore } from "./map-store.js";

const flaw = (process.env.KES_CONTRACT_FLAW ?? "none") as Flaw;
keystoreContract(`map store (${flaw})`, async () => {
  const store = mapStore(flaw);
  return { store, cleanup: () => store.close() };
});
