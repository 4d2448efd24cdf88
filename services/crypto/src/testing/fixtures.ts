// Test support only: values and helpers several test files share.
import { Writable } from "node:stream";
import { createLogger, type Logger } from "@kes/core";

/** A KES identity, recorded as created_by. */
export const IDENTITY = "252b0cc7f4d0ec640d4290bba4a6f07c86381e6ad9adc1bba56b22fce13b1239";

/** kes-api.md §6.2's 2024 stored key (base64 protobuf, with an HMAC key) and its HMAC key. */
export const PROTOBUF_KEY =
  "CiQKIMiHG7XrN94FuwblJJor4f7f6rbqAl7DwsLaiIoyz0D2EAESJAognLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9HgQARoMCNithK0GEID67qYDIkAzZWNmY2RmMzhmY2JlMTQxYWUyNmExMDMwZjgxZTk2Yjc1MzM2NWE0Njc2MGFlNmI1Nzg2OThhOTdjNTlmZDIy";
export const PROTOBUF_HMAC_KEY = Buffer.from(
  "nLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9Hg=",
  "base64",
);

/** An assert.rejects/throws matcher for a KesError of `kind` (and exact `message`, if given). */
export function kesError(kind: string, message?: string) {
  return { name: "KesError", kind, ...(message === undefined ? {} : { message }) };
}

/** A real pino logger whose lines are kept in memory. */
export function captureLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ destination, level: "debug" }), text: () => chunks.join("") };
}
