import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { replaceSection } from "./markdown.js";

describe("replaceSection", () => {
  const B = "<!-- b -->";
  const E = "<!-- e -->";

  it("replaces only what is between the markers, keeping the prose around them", () => {
    const page = `# Title\n\nprose before\n\n${B}\n\nold table\n\n${E}\n\nprose after\n`;
    const out = replaceSection(page, B, E, "new table");
    assert.equal(out, `# Title\n\nprose before\n\n${B}\n\nnew table\n\n${E}\n\nprose after\n`);
    assert.equal(replaceSection(out, B, E, "new table"), out, "idempotent");
  });

  it("appends the block when the page has no markers", () => {
    assert.equal(replaceSection("# T\n", B, E, "x"), `# T\n\n${B}\n\nx\n\n${E}\n`);
  });
});
