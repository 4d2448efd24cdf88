import { decodeBase64, type KesClient } from "@kes/client";
import type { Command } from "commander";
import { type ConnectionFlags, withClient } from "../client-env.js";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { checkNames, checkPattern } from "../names.js";
import {
  ciphertextOutput,
  dataKeyOutput,
  keyInfoJson,
  keyInfoText,
  keyListJson,
  keyListText,
  plaintextOutput,
  wantsJson,
} from "../output.js";

interface KeyFlags extends ConnectionFlags {
  readonly json?: boolean;
}

/** The flags every `kes key` subcommand takes: where the server is and whether to trust it. */
function connection(cmd: Command): Command {
  return cmd
    .option("-k, --insecure", "skip verification of the server's TLS certificate")
    .option(
      "-s, --server <url>",
      "the KES server (default: $KES_SERVER or https://127.0.0.1:7373)",
    );
}

/** A base64 command-line argument, or an error naming it and the command's help. */
function base64Arg(text: string, what: string, command: string): Uint8Array {
  try {
    return decodeBase64(text.trim(), what);
  } catch {
    throw new CliError(`invalid ${what}: not valid base64. See 'kes key ${command} --help'`);
  }
}

/** Registers `kes key create|import|info|ls|rm|encrypt|decrypt|dek` (`derive` = `dek`). */
export function register(program: Command, io: CliIo = processIo()): void {
  const key = program.command("key").description("manage cryptographic keys");
  const run = (flags: ConnectionFlags, fn: (client: KesClient) => Promise<void>) =>
    withClient(flags, io, fn);

  connection(key.command("create"))
    .description("create new cryptographic keys")
    .argument("<name...>", "names of the keys to create")
    .action((names: string[], flags: KeyFlags) => {
      checkNames(names, "key name");
      return run(flags, async (client) => {
        for (const name of names) await client.createKey(name);
      });
    });

  connection(key.command("import"))
    .description("import a cryptographic key (32 bytes, base64)")
    .argument("<name>", "name of the key")
    .argument("<key>", "the key material, base64")
    .action((name: string, material: string, flags: KeyFlags) => {
      checkNames([name], "key name");
      const bytes = base64Arg(material, "key", "import");
      return run(flags, (client) => client.importKey(name, bytes));
    });

  connection(key.command("info"))
    .description("show information about a cryptographic key")
    .argument("<name>", "name of the key")
    .option("--json", "print JSON")
    .action((name: string, flags: KeyFlags) => {
      checkNames([name], "key name");
      return run(flags, async (client) => {
        const info = await client.describeKey(name);
        io.stdout.write(flags.json ? keyInfoJson(info) : keyInfoText(info));
      });
    });

  connection(key.command("ls"))
    .description("list cryptographic keys")
    .argument("[pattern]", "only keys matching this glob", "*")
    .option("--json", 'print nd-json, one {"name"} per line')
    .action((pattern: string, flags: KeyFlags) => {
      checkPattern(pattern, "key pattern");
      return run(flags, async (client) => {
        const names: string[] = [];
        for await (const name of client.listKeys(pattern)) names.push(name);
        // Like every other list command: a table for people, nd-json for pipes and scripts.
        const json = wantsJson(flags, io.stdout);
        io.stdout.write(json ? keyListJson(names) : keyListText(names));
      });
    });

  connection(key.command("rm"))
    .description("delete cryptographic keys")
    .argument("<name...>", "names of the keys to delete")
    .action((names: string[], flags: KeyFlags) => {
      checkNames(names, "key name");
      return run(flags, async (client) => {
        for (const name of names) await client.deleteKey(name);
      });
    });

  connection(key.command("encrypt"))
    .description("encrypt a message with a key")
    .argument("<name>", "name of the key")
    .argument("<message>", "the message (text)")
    .option("--json", "print JSON even on a terminal")
    .action((name: string, message: string, flags: KeyFlags) => {
      checkNames([name], "key name");
      return run(flags, async (client) => {
        const ciphertext = await client.encrypt(name, Buffer.from(message, "utf8"));
        io.stdout.write(ciphertextOutput(ciphertext, wantsJson(flags, io.stdout)));
      });
    });

  connection(key.command("decrypt"))
    .description("decrypt a ciphertext with a key")
    .argument("<name>", "name of the key")
    .argument("<ciphertext>", "the ciphertext, base64")
    .argument("[context]", "the context it was encrypted with, base64")
    .option("--json", "print JSON even on a terminal")
    .action((name: string, ciphertext: string, context: string | undefined, flags: KeyFlags) => {
      checkNames([name], "key name");
      const ct = base64Arg(ciphertext, "ciphertext", "decrypt");
      const ctx = context === undefined ? undefined : base64Arg(context, "context", "decrypt");
      return run(flags, async (client) => {
        const plaintext = await client.decrypt(name, ct, ctx);
        io.stdout.write(plaintextOutput(plaintext, wantsJson(flags, io.stdout)));
      });
    });

  connection(key.command("dek"))
    .alias("derive")
    .description("generate a data encryption key (plaintext and ciphertext)")
    .argument("<name>", "name of the key that encrypts the data key")
    .argument("[context]", "context bound to the ciphertext, base64")
    .option("--json", "print JSON even on a terminal")
    .action((name: string, context: string | undefined, flags: KeyFlags) => {
      checkNames([name], "key name");
      const ctx = context === undefined ? undefined : base64Arg(context, "context", "dek");
      return run(flags, async (client) => {
        const dek = await client.generate(name, ctx);
        io.stdout.write(dataKeyOutput(dek, wantsJson(flags, io.stdout)));
      });
    });
}
