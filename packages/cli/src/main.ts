import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError } from "./errors.js";

type Group = () => Promise<{ register(program: Command): void }>;

/**
 * The commands that start a service, each with the one group that defines it. For these only
 * that group is registered: the others would load their modules (the KES client, ...) into a
 * server for nothing, costing startup time and memory.
 */
const SERVICE_GROUPS: Readonly<Record<string, Group>> = {
  server: () => import("./commands/server.js"),
  gateway: () => import("./commands/services.js"),
  crypto: () => import("./commands/services.js"),
  keystore: () => import("./commands/services.js"),
  health: () => import("./commands/services.js"),
};

function emptyProgram(): Command {
  return new Command("kes")
    .description("KES: a key encryption service (TypeScript, gRPC microservices)")
    .version(`kes version ${packageVersion()}`, "-v, --version", "print the version")
    .showHelpAfterError()
    .exitOverride();
}

/** This package's version (as `kes server` shows it in its banner). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    return String(pkg.version ?? "<unknown>");
  } catch {
    return "<unknown>";
  }
}

/** Builds the whole `kes` command tree. Each file in ./commands registers one command group. */
export async function buildProgram(): Promise<Command> {
  const program = emptyProgram();
  const { registerCommands } = await import("./commands/index.js");
  registerCommands(program);
  return program;
}

/** The tree `argv` needs: a service command's own group, else all of them. */
async function programFor(argv: readonly string[]): Promise<Command> {
  const first = argv[0];
  const group =
    first !== undefined && Object.hasOwn(SERVICE_GROUPS, first) ? SERVICE_GROUPS[first] : undefined;
  if (group === undefined) return buildProgram();
  const program = emptyProgram();
  (await group()).register(program);
  return program;
}

/**
 * A reader that went away (`kes --help | head -1`) is not an error of ours: Node reports the
 * failed write as an 'error' event, which unhandled would end the process with a stack trace
 * and status 1. Later writes to the closed stream are dropped; the command ends as it would
 * have (a long-running one also learns of it through its interrupt: see interrupt.ts).
 * Any other failed write (`> /dev/full`: ENOSPC) loses output: one line on stderr (when it is
 * not stderr that failed) and status 1 at once.
 */
export function guardOutput(
  streams: readonly NodeJS.WritableStream[],
  stderr: NodeJS.WritableStream = process.stderr,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  let failed = false;
  for (const stream of streams) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || failed) return;
      failed = true;
      if (stream !== stderr) stderr.write(`Error: cannot write output: ${err.message}\n`);
      exit(1);
    });
  }
}

/**
 * Node warns once per process (DEP0123) when a TLS client sends an IP address as its server
 * name; grpc-js does so for every `host:port` target given as an IP, as the split services'
 * internal addresses usually are (127.0.0.1:7002). The warning is about SNI only (the
 * certificate is still checked against the IP) and is a line of plain text amid the JSON log:
 * that one warning is dropped, every other goes out as Node would print it.
 */
export function dropIpServernameWarning(): void {
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const [typeOrOptions, code] = rest;
    const given =
      typeof typeOrOptions === "object" && typeOrOptions !== null
        ? (typeOrOptions as { code?: unknown }).code
        : code;
    if (given === "DEP0123") return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}

/** Runs the CLI; failures print "Error: <message>" on stderr and exit non-zero. */
export async function main(argv: string[]): Promise<void> {
  guardOutput([process.stdout, process.stderr]);
  dropIpServernameWarning();
  const program = await programFor(argv);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed help/usage or the error text.
      process.exitCode = err.exitCode;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Error: ${message}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  }
}
