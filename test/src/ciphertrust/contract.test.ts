/**
 * The keystore contract suite (the one every backend passes) on the CipherTrust backend,
 * against the simulator over HTTPS with its CA in tls.ca.
 */
import { after, before } from "node:test";
import { keystoreContract } from "@kes/keystore-contract";
import { type Cm, startCm } from "./support.js";

let cm: Cm;
let seeded = false;
before(async () => {
  cm = await startCm();
});
after(() => cm.close());

// A fresh CipherTrust Manager per test: the suite may assume an empty store.
keystoreContract("gemalto.keysecure (a fresh CipherTrust Manager simulator)", async () => {
  await cm.reset();
  const store = await cm.open();
  return { store, cleanup: () => store.close(), reopen: () => cm.open() };
});

// One CipherTrust Manager holding other secrets too, as a real one does.
keystoreContract(
  "gemalto.keysecure (a shared CipherTrust Manager simulator)",
  async () => {
    if (!seeded) {
      // Secrets of other applications, some with names KES could never use.
      await cm.reset();
      for (const name of ["ks-7f3a9c", "app.config", "CM secret", "schl\u00fcssel"]) {
        cm.sim.state.addSecret("root", { name, dataType: "password", material: "other" });
      }
      seeded = true;
    }
    const store = await cm.open();
    return {
      store,
      // The simulator keeps its secrets across stores, so each test cleans its own names.
      cleanup: () => store.close(),
      reopen: () => cm.open(),
    };
  },
  { shared: true },
);
