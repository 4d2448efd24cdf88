#!/usr/bin/env node
// An external KES keystore ("plug-in") in plain JavaScript with @grpc/grpc-js: it serves
// kes.keystore.v1.KeyStoreService from proto/ and keeps values in memory or in a JSON file.
// Point KES at it with `keystore: grpc: endpoint: ...`. See README.md and
// docs/keystore-plugins.md; run `node server.mjs --help` for the flags.

import { Server } from "@grpc/grpc-js";
import { openFileStore } from "./lib/file-store.mjs";
import { healthService } from "./lib/health-service.mjs";
import { keyStoreHandlers } from "./lib/keystore-service.mjs";
import { log } from "./lib/log.mjs";
import { createMemoryStore } from "./lib/memory-store.mjs";
import { parseServerOptions, SERVER_USAGE, UsageError } from "./lib/options.mjs";
import { loadServices } from "./lib/protos.mjs";
import { serverCredentials } from "./lib/tls.mjs";

/** How long a shutdown waits for calls in flight before it cancels them. */
const GRACE_MS = 5_000;

async function main() {
  const options = parseServerOptions(process.argv.slice(2), process.env);
  if (options.help) {
    process.stdout.write(`${SERVER_USAGE}\n`);
    return;
  }
  const services = loadServices(options.protoDir);
  const credentials = await serverCredentials(options.tls);
  const store =
    options.file === undefined ? createMemoryStore() : await openFileStore(options.file);

  const health = healthService(store);
  const server = new Server();
  server.addService(services.keyStore.service, keyStoreHandlers(store, log));
  server.addService(services.health.service, health.handlers);

  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let port;
  try {
    port = await bind(server, `${host}:${options.port}`, credentials);
  } catch (err) {
    await store.close();
    throw err;
  }
  // The one line on stdout: scripts and tests read the port from it (--port 0).
  process.stdout.write(`listening on ${host}:${port}\n`);
  const security =
    options.tls === undefined ? "plaintext" : options.tls.ca === undefined ? "TLS" : "mutual TLS";
  log.info(`serving the ${store.kind} store ${store.endpoint} on ${host}:${port} (${security})`);
  if (options.tls === undefined) {
    log.warn("plaintext HTTP/2 is for local tests only: use --cert, --key and --ca otherwise");
  }
  stopOnSignals(server, store, health);
}

function bind(server, address, credentials) {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (err) reject(new Error(`cannot listen on ${address}: ${err.message}`));
      else resolve(port);
    });
  });
}

function stopOnSignals(server, store, health) {
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) {
      log.warn(`${signal} again: stopping at once`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: refusing new calls, finishing the ones in flight`);
    health.stop();
    await shutdown(server);
    await store.close();
    log.info("stopped");
  };
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      stop(signal).then(
        () => process.exit(0),
        (err) => {
          log.error(`shutdown failed: ${err.message}`);
          process.exit(1);
        },
      );
    });
  }
}

function shutdown(server) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn(`calls still running after ${GRACE_MS} ms: cancelling them`);
      server.forceShutdown();
      resolve();
    }, GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

main().catch((err) => {
  if (err instanceof UsageError) {
    process.stderr.write(`server.mjs: ${err.message}\n\n${SERVER_USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`server.mjs: ${err.message}\n`);
  process.exit(1);
});
