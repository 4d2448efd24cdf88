/**
 * The `kes` command tree as the shell completion scripts need it, read from commander's own
 * help model (the commands and options `--help` shows), so completions cannot drift from the
 * commands.
 */
import type { Command } from "commander";

export interface CompletionOption {
  /** e.g. ["-k", "--insecure"]. */
  readonly flags: readonly string[];
  readonly description: string;
  /** Takes a value (`--server <url>`): the next word is not a command. */
  readonly takesValue: boolean;
  /** The allowed values, when fixed (`--auth on|off`). */
  readonly choices: readonly string[];
}

export interface CompletionNode {
  /** Command names from the root, "" for `kes` itself, e.g. "key create". */
  readonly path: string;
  readonly subcommands: readonly { readonly name: string; readonly description: string }[];
  readonly options: readonly CompletionOption[];
  /** Has positional arguments: complete file names there. */
  readonly takesArguments: boolean;
}

/** One line of a description: completion menus have no room for more. */
function firstLine(text: string): string {
  return text.split("\n")[0]?.trim() ?? "";
}

/** Every command of the tree, depth first; an alias gets a node of its own. */
export function completionTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (cmd: Command, path: string) => {
    const help = cmd.createHelp();
    const subcommands = help.visibleCommands(cmd);
    nodes.push({
      path,
      subcommands: subcommands.flatMap((sub) =>
        [sub.name(), ...sub.aliases()].map((name) => ({
          name,
          description: firstLine(sub.description()),
        })),
      ),
      options: help.visibleOptions(cmd).map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => f !== undefined),
        description: firstLine(o.description),
        takesValue: o.required || o.optional,
        choices: o.argChoices ?? [],
      })),
      takesArguments: cmd.registeredArguments.length > 0,
    });
    for (const sub of subcommands) {
      for (const name of [sub.name(), ...sub.aliases()]) {
        if (cmd.commands.includes(sub)) {
          visit(sub, join(path, name));
          continue;
        }
        // commander's implicit `help [command]`: its argument is one of its siblings.
        nodes.push({
          path: join(path, name),
          subcommands: (nodes.find((n) => n.path === path)?.subcommands ?? []).filter(
            (c) => c.name !== name,
          ),
          options: [],
          takesArguments: false,
        });
      }
    }
  };
  visit(program, "");
  return nodes;
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path} ${name}`;
}
