import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BINARY_MARKER, fromMaterial, toMaterial } from "./values.js";

const text = (s: string) => new TextEncoder().encode(s);

describe("CipherTrust material", () => {
  it("stores KES stored-key texts verbatim (JSON and base64)", () => {
    for (const stored of [
      '{"version":"v1","bytes":"q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=","algorithm":"AES256-GCM_SHA256"}',
      "CiIKIKvN7wEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJEAE=",
    ]) {
      assert.equal(toMaterial(text(stored)), stored);
      assert.deepEqual(fromMaterial(stored), text(stored));
    }
  });

  it("keeps any UTF-8 text as text, NUL and non-ASCII included", () => {
    const value = text("a\u0000b schl\u00fcssel \u{1f511}");
    assert.equal(toMaterial(value), "a\u0000b schl\u00fcssel \u{1f511}");
    assert.deepEqual(fromMaterial(toMaterial(value)), value);
  });

  it("writes bytes that are not UTF-8 as marked base64 and reads them back exactly", () => {
    const value = Uint8Array.of(0x00, 0xff, 0xfe, 0x80, 0x41);
    const material = toMaterial(value);
    assert.equal(material, `${BINARY_MARKER}AP/+gEE=`);
    assert.deepEqual(fromMaterial(material), value);
  });

  it("marks text that starts with the marker, so it cannot be mistaken for bytes", () => {
    const value = text(`${BINARY_MARKER}AAAA`);
    const material = toMaterial(value);
    assert.notEqual(material, `${BINARY_MARKER}AAAA`);
    assert.deepEqual(fromMaterial(material), value);
  });

  it("refuses a marked material whose base64 is broken", () => {
    assert.equal(fromMaterial(`${BINARY_MARKER}not base64!`), undefined);
    assert.equal(fromMaterial(`${BINARY_MARKER}AAA`), undefined);
  });

  it("handles a subarray view without reading outside it", () => {
    const backing = Uint8Array.of(0x41, 0xff, 0x42, 0x43);
    assert.deepEqual(fromMaterial(toMaterial(backing.subarray(1, 3))), Uint8Array.of(0xff, 0x42));
  });
});
