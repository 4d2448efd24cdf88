#!/usr/bin/env node
// An external KES keystore ("plug-in") in plain JavaScript with @grpc/grpc-js: it serves
// kes.keystore.v1.KeyStoreService from proto/ and keeps values in memory or in a JSON file.
// Point KES at it with `keystore: grpc: endpoint: ...`. See README.md and
// docs/keystore-plugins.md; run `node server.mjs --help` for the flags.

import { Server } from "@grpc/grpc-js";
import { openFileStore } from "./lib/file-store.mjs";
import { healthHandlers } from "./lib/health-service.mjs";
import { keyStoreHandlers } from "./lib/keystore-service.mjs";
import { log } from "./lib/log.mjs";
import { createMemoryStore } from "./lib/memory-store.mjs";
import { openCalls } from "./lib/open-calls.mjs";
import { parseServerOptions, SERVER_USAGE, UsageError } from "./lib/options.mjs";
import { loadServices } from "./lib/protos.mjs";
import { serverCredentials } from "./lib/tls.mjs";

/** How long a shutdown waits for calls in flight before it cancels them. */
const GRACE_MS = 5_000;
/** How long an idle server waits for its connections to close by themselves. */
const SETTLE_MS = 500;

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

  const calls = openCalls();
  const server = new Server({ interceptors: [calls.interceptor] });
  server.addService(services.keyStore.service, keyStoreHandlers(store, log));
  server.addService(services.health.service, healthHandlers(store));

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
  stopOnSignals(server, store, calls);
}

function bind(server, address, credentials) {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (err) reject(new Error(`cannot listen on ${address}: ${err.message}`));
      else resolve(port);
    });
  });
}

function stopOnSignals(server, store, calls) {
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) {
      log.warn(`${signal} again: stopping at once`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: refusing new calls, finishing the ones in flight`);
    await shutdown(server, calls);
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

/**
 * Refuses new calls and lets the open ones finish, for up to GRACE_MS. Once none is open,
 * tryShutdown normally completes at once; if it has not after SETTLE_MS (see open-calls.mjs
 * for why it may not), the idle connections left are closed.
 */
async function shutdown(server, calls) {
  const closed = new Promise((resolve) => server.tryShutdown(() => resolve(true)));
  const after = (ms) => new Promise((resolve) => setTimeout(() => resolve(false), ms));
  const deadline = Date.now() + GRACE_MS;
  while (calls.count > 0 && Date.now() < deadline) {
    if (await Promise.race([closed, after(20)])) return;
  }
  if (calls.count > 0) {
    log.warn(`${calls.count} calls still open after ${GRACE_MS} ms: cancelling them`);
  } else if (await Promise.race([closed, after(SETTLE_MS)])) {
    return;
  }
  server.forceShutdown();
}

main().catch((err) => {
  if (err instanceof UsageError) {
    process.stderr.write(`server.mjs: ${err.message}\n\n${SERVER_USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`server.mjs: ${err.message}\n`);
  process.exit(1);
});
