export * from "./crypto-api.js";
export * from "./duration.js";
export * from "./errors.js";
export * from "./glob.js";
export * from "./keystore.js";
export * from "./log.js";
export * from "./log-limiter.js";
export * from "./names.js";
