/**
 * How a long-running command (`kes log`, `kes metric`) learns it should stop: Ctrl-C, SIGTERM,
 * or a reader that went away (`kes log | head`). Commands take it as a parameter so tests can
 * stop them in-process.
 */
export interface Interrupt {
  /** Aborts when the command should end cleanly. */
  readonly signal: AbortSignal;
  /** Removes the handlers; call when the command ends. */
  dispose(): void;
}

export type InterruptSource = () => Interrupt;

/** SIGINT, SIGTERM and a closed stdout pipe (EPIPE) of this process. */
export const processInterrupt: InterruptSource = () => {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("interrupted"));
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") stop();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdout.on("error", onStdoutError);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stdout.off("error", onStdoutError);
    },
  };
};
