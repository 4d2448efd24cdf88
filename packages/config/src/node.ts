import { resolve } from "node:path";
import { parseDuration } from "@kes/core";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node as YamlNode,
} from "yaml";
import { ConfigError } from "./errors.js";
import { closest } from "./suggest.js";
import type { ConfigWarning, PathSetting } from "./types.js";

/** What every section parser shares: where we are, the environment, and the warnings so far. */
export interface ParseContext {
  /** The file as shown in messages. */
  readonly file: string;
  /** The directory relative paths are resolved against. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly lines: LineCounter;
  readonly doc: Document;
  readonly warnings: ConfigWarning[];
  /** Every path setting read so far, by dotted key: the resolved path and its line. */
  readonly paths: Record<string, PathSetting>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One value of the config file with its dotted path and line, and typed accessors that refuse
 * wrong types, unknown keys and bad `${VAR}` references with a ConfigError naming all three.
 * An absent value (missing key or YAML null) is a node too, so defaults are one `??` away.
 */
export class ConfigNode {
  private constructor(
    readonly ctx: ParseContext,
    private readonly node: YamlNode | undefined,
    readonly path: string,
    readonly line: number | undefined,
    /** The map key this value sits under ("" for the root and list items). */
    readonly key = "",
  ) {}

  static root(ctx: ParseContext): ConfigNode {
    const contents = ctx.doc.contents ?? undefined;
    return new ConfigNode(ctx, contents, "", lineOf(ctx, contents));
  }

  /** Missing, or written as an empty value / `null`. */
  get absent(): boolean {
    return this.node === undefined || (isScalar(this.node) && this.node.value === null);
  }

  /** The key is written in the file, even if its value is empty. */
  get present(): boolean {
    return this.node !== undefined;
  }

  get isMap(): boolean {
    return isMap(this.node);
  }

  /** "map", "list", "string", "number", "boolean" or "null": for messages. */
  get typeName(): string {
    if (this.absent) return "null";
    if (isMap(this.node)) return "map";
    if (isSeq(this.node)) return "list";
    if (isScalar(this.node)) {
      const v = this.node.value;
      return typeof v === "number" || typeof v === "bigint"
        ? "number"
        : typeof v === "boolean"
          ? "boolean"
          : "string";
    }
    return "value";
  }

  fail(reason: string): never {
    throw new ConfigError(this.ctx.file, this.path, this.line, reason);
  }

  warn(message: string): void {
    this.ctx.warnings.push(
      this.line === undefined
        ? { path: this.path, message }
        : { path: this.path, line: this.line, message },
    );
  }

  /**
   * The children of a map with a fixed set of keys. Any other key is an error, with a
   * "did you mean" when one of the allowed keys is close. An absent map has absent children.
   */
  fields<K extends string>(allowed: readonly K[]): Record<K, ConfigNode> {
    const out = {} as Record<K, ConfigNode>;
    for (const key of allowed) out[key] = this.missing(key);
    for (const [key, child, keyLine] of this.pairs()) {
      if (!(allowed as readonly string[]).includes(key)) {
        const hint = closest(key, allowed);
        throw new ConfigError(
          this.ctx.file,
          join(this.path, key),
          keyLine,
          `unknown key${hint === undefined ? "" : `; did you mean '${hint}'?`}` +
            ` (allowed here: ${allowed.join(", ")})`,
        );
      }
      out[key as K] = child;
    }
    return out;
  }

  /** The children of a map with free keys (policy names, API paths), in file order. */
  entries(): ConfigNode[] {
    return this.pairs().map(([, child]) => child);
  }

  /** The items of a list; an absent list is empty. */
  items(): ConfigNode[] {
    if (this.absent) return [];
    const node = this.node;
    if (!isSeq(node)) this.fail(`expected a list, got a ${this.typeName}`);
    return node.items.map((item, i) => {
      const child = this.resolveAlias(item as YamlNode | null);
      return new ConfigNode(
        this.ctx,
        child,
        `${this.path}[${i}]`,
        lineOf(this.ctx, child) ?? this.line,
      );
    });
  }

  /**
   * A scalar as text, with `${VAR}` substituted unless `substitute` is false. Numbers and
   * booleans keep their source spelling (a numeric token stays "0123"). Absent -> undefined.
   */
  string(options: { substitute?: boolean } = {}): string | undefined {
    if (this.absent) return undefined;
    const node = this.node;
    if (!isScalar(node)) this.fail(`expected a string, got a ${this.typeName}`);
    const text = typeof node.value === "string" ? node.value : (node.source ?? String(node.value));
    return options.substitute === false ? text : this.substitute(text);
  }

  /** The variable name when the raw value is a `${NAME}` reference. */
  variable(): string | undefined {
    const raw = this.string({ substitute: false })?.trim();
    return raw?.startsWith("${") && raw.endsWith("}") ? raw.slice(2, -1).trim() : undefined;
  }

  /** A string that must be present and non-empty. */
  requiredString(what: string): string {
    const value = this.string();
    if (value === undefined || value.trim() === "") this.fail(`missing: ${what} is required`);
    return value;
  }

  /**
   * A file path resolved against the config file's directory; "" or absent -> undefined.
   * Recorded with its line, so errors about the file can point here (checkConfigFiles).
   */
  resolvedPath(): string | undefined {
    const value = this.string()?.trim();
    if (value === undefined || value === "") return undefined;
    const path = resolve(this.ctx.dir, value);
    this.ctx.paths[this.path] = this.line === undefined ? { path } : { path, line: this.line };
    return path;
  }

  /** `on`/`off` (KES's spelling) or `true`/`false`, any case; "" or absent -> undefined. */
  onOff(): boolean | undefined {
    const value = this.string()?.trim().toLowerCase();
    if (value === undefined || value === "") return undefined;
    if (value === "on" || value === "true") return true;
    if (value === "off" || value === "false") return false;
    return this.fail(`expected on or off (or true or false), got '${this.string()?.trim()}'`);
  }

  /** A Go duration ("30s", "5m", "1h30m") in milliseconds; "" or absent -> undefined. */
  duration(): number | undefined {
    const value = this.string()?.trim();
    if (value === undefined || value === "") return undefined;
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch {
      const hint = /^\d+(\.\d+)?$/.test(value)
        ? `a unit is required, e.g. ${value}s`
        : "expected a Go duration such as 30s, 5m or 1h30m";
      return this.fail(`invalid duration '${value}': ${hint}`);
    }
    if (ms < 0) this.fail(`invalid duration '${value}': it must not be negative`);
    return ms;
  }

  private missing(key: string): ConfigNode {
    return new ConfigNode(this.ctx, undefined, join(this.path, key), this.line, key);
  }

  private pairs(): [string, ConfigNode, number | undefined][] {
    if (this.absent) return [];
    const node = this.node;
    if (!isMap(node)) this.fail(`expected a map, got a ${this.typeName}`);
    return node.items.map((pair) => {
      const keyNode = pair.key as YamlNode | null;
      const keyLine = lineOf(this.ctx, keyNode) ?? this.line;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        throw new ConfigError(this.ctx.file, this.path, keyLine, "map keys must be plain strings");
      }
      const key = String(keyNode.value);
      const value = this.resolveAlias(pair.value as YamlNode | null);
      // A scalar reports its own line; a nested map or list reports the line of its key.
      const line =
        isScalar(value) && value.value !== null ? (lineOf(this.ctx, value) ?? keyLine) : keyLine;
      return [key, new ConfigNode(this.ctx, value, join(this.path, key), line, key), keyLine];
    });
  }

  private resolveAlias(node: YamlNode | null | undefined): YamlNode | undefined {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return (node.resolve(this.ctx.doc) as YamlNode | undefined) ?? undefined;
    return node;
  }

  // kes-api.md §7.1: a whole value of the form ${NAME} (after trimming) is replaced by the
  // environment variable; half a reference is an error, as is a variable that is not set.
  private substitute(text: string): string {
    const trimmed = text.trim();
    const opens = trimmed.startsWith("${");
    const closes = trimmed.endsWith("}");
    if (!opens && !closes) return text;
    if (!opens || !closes) {
      this.fail(
        opens
          ? `'${trimmed}' starts a \${VARIABLE} reference but does not end with '}'`
          : "the value ends with '}' but is not a whole ${VARIABLE} reference",
      );
    }
    const name = trimmed.slice(2, -1).trim();
    if (!ENV_NAME.test(name))
      this.fail(`'${trimmed}' is not a valid environment variable reference`);
    const value = this.ctx.env[name];
    if (value === undefined) this.fail(`environment variable ${name} is not set`);
    return value;
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function lineOf(ctx: ParseContext, node: YamlNode | null | undefined): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : ctx.lines.linePos(start).line;
}
