import { CliError } from "./errors.js";

/** A place the CLI writes to; `isTTY` decides between friendly and JSON output. */
export interface OutputStream {
  readonly isTTY: boolean;
  write(text: string): void;
}

/** Everything a command touches outside itself, so tests can run commands in-process. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Asks for a secret on the terminal without echo; throws when there is no terminal. */
  readonly promptPassword: (question: string) => Promise<string>;
}

function stream(s: NodeJS.WriteStream): OutputStream {
  return {
    get isTTY() {
      return s.isTTY === true;
    },
    write: (text) => {
      s.write(text);
    },
  };
}

/** A password was needed but there is no terminal to ask on; callers may say what for. */
export class NoTerminalError extends CliError {
  constructor() {
    super("a password is needed, but stdin is not a terminal");
  }
}

/** Reads one line from the terminal in raw mode so the secret is never echoed. */
function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(new NoTerminalError());
  }
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let secret = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === "\r" || c === "\n" || c === "\u0004") {
          finish();
          resolve(secret);
          return;
        }
        if (c === "\u0003") {
          finish();
          reject(new CliError("aborted", 130));
          return;
        }
        secret = c === "\u007f" || c === "\b" ? secret.slice(0, -1) : secret + c;
      }
    };
    stdin.on("data", onData);
  });
}

export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: stream(process.stdout),
    stderr: stream(process.stderr),
    promptPassword,
  };
}
