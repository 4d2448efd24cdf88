import type { Command } from "commander";
import { CliError } from "../errors.js";
import { type CliIo, processIo } from "../io.js";
import { bashScript } from "./completion-bash.js";
import { fishScript } from "./completion-fish.js";
import { completionTree } from "./completion-tree.js";
import { zshScript } from "./completion-zsh.js";

const SHELLS = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
} as const;

const INSTALL = `
Install (then open a new shell):
  bash  kes completion bash > ~/.local/share/bash-completion/completions/kes
        (or add 'source <(kes completion bash)' to ~/.bashrc)
  zsh   kes completion zsh > "\${fpath[1]}/_kes"
        (or add 'source <(kes completion zsh)' to ~/.zshrc, after compinit)
  fish  kes completion fish > ~/.config/fish/completions/kes.fish`;

/**
 * Registers `kes completion bash|zsh|fish`: prints a completion script built from the command
 * tree at run time, so it always matches the commands and options of this `kes`.
 */
export function register(program: Command, io: CliIo = processIo()): void {
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText("after", INSTALL)
    .action((shell: string) => {
      const generate = SHELLS[shell as keyof typeof SHELLS];
      if (!Object.hasOwn(SHELLS, shell) || generate === undefined) {
        throw new CliError(
          `unknown shell '${shell}': expected bash, zsh or fish. See 'kes completion --help'`,
        );
      }
      io.stdout.write(generate(completionTree(program)));
    });
}
