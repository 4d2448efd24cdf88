// The in-memory store (--memory): for trying things out and for tests. Gone when the process
// stops. Every store has the same small shape, so the gRPC handlers work with either:
//
//   kind, endpoint                      what Status reports
//   get(name)                           the value (a Buffer) or undefined
//   create(name, value, signal)         true, or false if the name is taken (nothing changed)
//   delete(name, signal)                removes the name if it exists
//   names()                             every name, in ascending byte order
//   probe()                             { reachable, detail? }
//   close()

import { Buffer } from "node:buffer";
import { byteOrder } from "./rules.mjs";

export function createMemoryStore() {
  const values = new Map();
  return {
    kind: "memory",
    endpoint: "memory",
    async get(name) {
      const value = values.get(name);
      // Copies, so no caller can change what is stored through a buffer it holds.
      return value === undefined ? undefined : Buffer.from(value);
    },
    async create(name, value, signal) {
      signal?.throwIfAborted();
      if (values.has(name)) return false;
      values.set(name, Buffer.from(value));
      return true;
    },
    async delete(name, signal) {
      signal?.throwIfAborted();
      values.delete(name);
    },
    async names() {
      return [...values.keys()].sort(byteOrder);
    },
    async probe() {
      return { reachable: true };
    },
    async close() {},
  };
}
