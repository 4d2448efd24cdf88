/**
 * Compose's variable interpolation, applied to every string of a compose document before it is
 * read: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset),
 * `${VAR:?message}` / `${VAR?message}` (an error), `${VAR:+alt}` / `${VAR+alt}`, defaults that
 * hold further references, and `$$` for a literal `$`.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {}

export interface Interpolated {
  readonly value: string;
  /** Variables used without a default while unset (compose warns and uses ""). */
  readonly unset: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolates one string; `where` names it in errors (e.g. services.gateway.ports[0]). */
export function interpolate(text: string, env: Environment, where = "value"): Interpolated {
  const unset: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "{") {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new InterpolationError(`${where}: unterminated '\${' in '${text}'`);
      out += braced(text.slice(i + 2, end), env, where, unset);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name === undefined) {
        throw new InterpolationError(`${where}: a '$' must start a variable or be written '$$'`);
      }
      out += lookup(name, env, unset);
      i += 1 + name.length;
    }
  }
  return { value: out, unset };
}

/** The index of the `}` closing a `${` whose body starts at `from` (nested `${}` allowed). */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (text[i] === "}" && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function braced(body: string, env: Environment, where: string, unset: string[]): string {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) throw new InterpolationError(`${where}: invalid reference '\${${body}}'`);
  const rest = body.slice(name.length);
  if (rest === "") return lookup(name, env, unset);
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (op === undefined) throw new InterpolationError(`${where}: invalid reference '\${${body}}'`);
  const arg = rest.slice(op.length);
  const value = env[name];
  const missing = op.startsWith(":") ? value === undefined || value === "" : value === undefined;
  const nested = () => {
    const inner = interpolate(arg, env, where);
    unset.push(...inner.unset);
    return inner.value;
  };
  switch (op.replace(":", "")) {
    case "-":
      return missing ? nested() : (value as string);
    case "?":
      if (missing) {
        throw new InterpolationError(
          `${where}: required variable ${name} is missing a value${arg === "" ? "" : `: ${nested()}`}`,
        );
      }
      return value as string;
    default:
      return missing ? "" : nested();
  }
}

function lookup(name: string, env: Environment, unset: string[]): string {
  const value = env[name];
  if (value === undefined) {
    unset.push(name);
    return "";
  }
  return value;
}

/**
 * Interpolates every string in a parsed document (keys are left alone, as compose does) and
 * returns a copy; `unset` collects the variables compose would warn about.
 */
export function interpolateDocument(
  doc: unknown,
  env: Environment,
  unset: string[] = [],
  where = "",
): unknown {
  if (typeof doc === "string") {
    const result = interpolate(doc, env, where === "" ? "value" : where);
    unset.push(...result.unset);
    return result.value;
  }
  if (Array.isArray(doc)) {
    return doc.map((item, i) => interpolateDocument(item, env, unset, `${where}[${i}]`));
  }
  if (doc !== null && typeof doc === "object") {
    return Object.fromEntries(
      Object.entries(doc).map(([key, value]) => [
        key,
        interpolateDocument(value, env, unset, where === "" ? key : `${where}.${key}`),
      ]),
    );
  }
  return doc;
}
