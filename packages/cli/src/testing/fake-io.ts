import { type CliIo, NoTerminalError } from "../io.js";

/** A CliIo that records what a command prints; `tty` decides friendly vs JSON output. */
export interface FakeIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  readonly prompts: string[];
}

export function fakeIo(
  env: Record<string, string | undefined>,
  options: { tty?: boolean; password?: string } = {},
): FakeIo {
  let out = "";
  let err = "";
  const prompts: string[] = [];
  const isTTY = options.tty === true;
  return {
    env,
    stdout: {
      isTTY,
      write: (text) => {
        out += text;
      },
    },
    stderr: {
      isTTY,
      write: (text) => {
        err += text;
      },
    },
    promptPassword: async (question) => {
      prompts.push(question);
      if (options.password === undefined) throw new NoTerminalError();
      return options.password;
    },
    out: () => out,
    err: () => err,
    prompts,
  };
}
