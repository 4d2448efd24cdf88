import type { ConfigNode } from "../node.js";
import type { LogConfig } from "../types.js";

// KES 2024 also accepts slog levels, optionally with an offset (e.g. "WARN", "ERROR+2").
const LEVEL = /^(DEBUG|INFO|WARN|ERROR)([+-]\d+)?$/i;

/** `log.{error,audit}`: on/off. Default: error on, audit off. */
export function parseLog(node: ConfigNode): LogConfig {
  const f = node.fields(["error", "audit"]);
  return { error: onOffOrLevel(f.error) ?? true, audit: onOffOrLevel(f.audit) ?? false };
}

function onOffOrLevel(node: ConfigNode): boolean | undefined {
  const value = node.string()?.trim();
  if (value !== undefined && LEVEL.test(value)) {
    node.warn(`log levels are not supported: '${value}' is treated as on`);
    return true;
  }
  if (value !== undefined && !/^(on|off|true|false|)$/i.test(value)) {
    node.fail(`expected on or off (or a level: DEBUG, INFO, WARN, ERROR), got '${value}'`);
  }
  return node.onOff();
}
