import { isKesError, validateName } from "@kes/core";
import type { ConfigNode } from "../node.js";

/** `keys[].name`: keys `kes server` creates at startup when they do not exist yet. */
export function parseKeys(node: ConfigNode): string[] {
  const names: string[] = [];
  for (const item of node.items()) {
    const f = item.fields(["name"]);
    const name = f.name.requiredString("the key name").trim();
    try {
      validateName(name);
    } catch (err) {
      if (!isKesError(err)) throw err;
      f.name.fail(`invalid key name '${name}': ${err.message.replace(/^invalid argument: /, "")}`);
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
