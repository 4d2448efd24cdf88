#!/usr/bin/env node
// Asks a keystore plug-in whether it can serve (grpc.health.v1.Health/Check): prints the status
// and exits 0 for SERVING, 1 otherwise. Handy as a container health check, and it shows the
// client side of @grpc/grpc-js. `node health-check.mjs --help` lists the flags.

import { Metadata } from "@grpc/grpc-js";
import { CHECK_USAGE, parseCheckOptions, UsageError } from "./lib/options.mjs";
import { loadServices } from "./lib/protos.mjs";
import { clientCredentials } from "./lib/tls.mjs";

async function main() {
  const options = parseCheckOptions(process.argv.slice(2), process.env);
  if (options.help) {
    process.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  const { health: Health } = loadServices(options.protoDir);
  const client = new Health(options.addr, await clientCredentials(options.tls));
  try {
    const response = await new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + options.timeoutMs);
      client.check({ service: options.service }, new Metadata(), { deadline }, (err, res) =>
        err ? reject(err) : resolve(res),
      );
    });
    process.stdout.write(`${response.status}\n`);
    return response.status === "SERVING" ? 0 : 1;
  } catch (err) {
    // err.details is the server's text (or grpc-js's, for a connection failure).
    process.stderr.write(`health-check.mjs: ${options.addr}: ${err.details ?? err.message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`health-check.mjs: ${err.message}\n\n${CHECK_USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`health-check.mjs: ${err.message}\n`);
    process.exit(1);
  },
);
