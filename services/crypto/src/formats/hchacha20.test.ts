import assert from "node:assert/strict";
import { test } from "node:test";
import { hchacha20 } from "./hchacha20.js";

const hex = (s: string) => Buffer.from(s, "hex");

test("hchacha20 reproduces the draft-irtf-cfrg-xchacha §2.2.1 test vector", () => {
  const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const input = hex("000000090000004a0000000031415927");
  assert.equal(
    Buffer.from(hchacha20(key, input)).toString("hex"),
    "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
  );
});

test("hchacha20 depends on every input byte", () => {
  const key = new Uint8Array(32);
  const input = new Uint8Array(16);
  const base = Buffer.from(hchacha20(key, input)).toString("hex");
  input[15] = 1;
  assert.notEqual(Buffer.from(hchacha20(key, input)).toString("hex"), base);
  input[15] = 0;
  key[31] = 1;
  assert.notEqual(Buffer.from(hchacha20(key, input)).toString("hex"), base);
});

test("hchacha20 rejects a key or input of the wrong size", () => {
  assert.throws(() => hchacha20(new Uint8Array(31), new Uint8Array(16)), /key must be 32 bytes/);
  assert.throws(() => hchacha20(new Uint8Array(32), new Uint8Array(24)), /input must be 16 bytes/);
});
