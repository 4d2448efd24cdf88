export { VirtualClock } from "./clock.js";
export { CM_CODES, CmError, cm, isCmError } from "./cm-errors.js";
export { FaultController } from "./faults/controller.js";
export type {
  FaultAction,
  FaultInfo,
  FaultMatch,
  FaultSpec,
  FaultTrigger,
  ListMode,
  StatusBody,
  TokenMode,
} from "./faults/types.js";
export { LIST_MODES, STATUS_BODIES, TOKEN_MODES } from "./faults/types.js";
export { ROUTES } from "./http/routes.js";
export type { LogEntry, LogFilter, Outcome } from "./log/request-log.js";
export { RequestLog } from "./log/request-log.js";
export type { SimulatorOptions } from "./options.js";
export { DEFAULT_SETTINGS, type SimSettings } from "./settings.js";
export { type Simulator, startSimulator } from "./simulator.js";
export * from "./state/model.js";
export { SimState } from "./state/store.js";
export { secretUri } from "./state/uris.js";
export { TLS_FILES } from "./tls/certificates.js";
