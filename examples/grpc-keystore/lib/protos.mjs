// The service definitions come straight from the .proto files at run time (no generated code),
// so this example always speaks the contract in the repository's proto/ directory.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/** proto/ of the repository this example sits in. */
export const DEFAULT_PROTO_DIR = fileURLToPath(new URL("../../../proto", import.meta.url));

const FILES = ["kes/keystore/v1/keystore.proto", "grpc/health/v1/health.proto"];

export function loadServices(protoDir) {
  for (const file of FILES) {
    if (!existsSync(join(protoDir, file))) {
      throw new Error(
        `${join(protoDir, file)} does not exist: point --proto-dir (or KES_PROTO_DIR) at the ` +
          "proto/ directory of the KES repository",
      );
    }
  }
  const definition = loadSync(FILES, {
    includeDirs: [protoDir],
    keepCase: true, // field names as the .proto spells them: page_token, next_page_token
    longs: Number,
    enums: String,
    defaults: true, // absent fields arrive as "", 0 and empty buffers, as proto3 means them
  });
  const loaded = loadPackageDefinition(definition);
  return {
    keyStore: loaded.kes.keystore.v1.KeyStoreService,
    health: loaded.grpc.health.v1.Health,
  };
}
