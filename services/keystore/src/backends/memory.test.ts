import { keystoreContract } from "@kes/keystore-contract";
import { createMemoryKeyStore } from "./memory.js";

keystoreContract("memory", async () => {
  const store = createMemoryKeyStore();
  return { store, cleanup: () => store.close() };
});
