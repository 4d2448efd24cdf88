export { API_PATHS } from "./api-paths.js";
export { ConfigError, formatConfigWarning } from "./errors.js";
export { checkConfigFiles } from "./files.js";
export { loadConfig } from "./load.js";
export { DEFAULT_ADDRESS, type ParseOptions, parseConfig } from "./parse.js";
export { CACHE_DEFAULTS } from "./sections/cache.js";
export { GEMALTO_RETRY_MS } from "./sections/keystore.js";
export { SERVICES_DEFAULTS } from "./sections/services.js";
export * from "./types.js";
