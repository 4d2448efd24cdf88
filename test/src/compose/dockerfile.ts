/**
 * Just enough of a Dockerfile reader for the compose harness and the image checks: stages and
 * their instructions, and for a target stage what a container of it starts from (entrypoint,
 * environment, working directory, the commands linked onto PATH and which workspace package
 * was deployed to which directory).
 */

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, ENV, WORKDIR, ENTRYPOINT, ... */
  readonly keyword: string;
  /** The rest of the instruction, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export class DockerfileError extends Error {}

/** Splits a Dockerfile into stages (comments and blank lines dropped, continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const stages: { name: string; base: string; instructions: Instruction[] }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i] ?? "";
    if (/^\s*(#|$)/.test(logical)) continue;
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      i++;
      const next = lines[i] ?? "";
      // Comment lines inside a continued instruction are dropped, as Docker does.
      if (/^\s*#/.test(next)) continue;
      logical = `${logical.replace(/\s*\\\s*$/, "")} ${next.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(logical);
    if (m === null) throw new DockerfileError(`Dockerfile:${start + 1}: cannot read '${logical}'`);
    const keyword = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (keyword === "FROM") {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from === null) throw new DockerfileError(`Dockerfile:${start + 1}: bad FROM '${args}'`);
      stages.push({
        base: from[1] as string,
        name: from[2] ?? String(stages.length),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      throw new DockerfileError(`Dockerfile:${start + 1}: ${keyword} before any FROM`);
    }
    stage.instructions.push({ keyword, args, line: start + 1 });
  }
  return stages;
}

/** The exec (JSON) form of ENTRYPOINT/CMD; the shell form is refused (signals, PID 1). */
export function execForm(instruction: Instruction): string[] {
  let value: unknown;
  try {
    value = JSON.parse(instruction.args);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new DockerfileError(
      `Dockerfile:${instruction.line}: ${instruction.keyword} must use the exec form ["...", ...]`,
    );
  }
  return value;
}

/** `ENV A=b C=d` (or the old `ENV A b`). */
function envPairs(args: string): [string, string][] {
  if (!args.includes("=")) {
    const [name = "", ...rest] = args.split(/\s+/);
    return [[name, rest.join(" ")]];
  }
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)].map((m) => [
    m[1] as string,
    m[3] ?? (m[2] as string),
  ]);
}

/** `pnpm --filter <pkg> deploy ... <dir>` commands anywhere in a RUN: dir -> package name. */
export function deployedPackages(stages: readonly Stage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const stage of stages) {
    for (const ins of stage.instructions) {
      if (ins.keyword !== "RUN") continue;
      for (const command of ins.args.split(/&&|;|\|\|/)) {
        const words = command.trim().split(/\s+/);
        if (words[0] !== "pnpm" || !words.includes("deploy")) continue;
        const at = words.findIndex((w) => w === "--filter" || w.startsWith("--filter="));
        const word = words[at] ?? "";
        const pkg = word.includes("=") ? word.slice("--filter=".length) : words[at + 1];
        const dir = words.slice(words.indexOf("deploy") + 1).findLast((w) => !w.startsWith("-"));
        if (at >= 0 && pkg !== undefined && dir !== undefined) out.set(dir, pkg);
      }
    }
  }
  return out;
}

export interface ImageLayout {
  readonly target: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  readonly user: string | undefined;
  /** Image directory -> the workspace package deployed there, e.g. /app -> @kes/cli. */
  readonly packages: ReadonlyMap<string, string>;
  /** Commands on PATH: /usr/local/bin/kes -> /app/bin/kes.js (from `ln -s` in a RUN). */
  readonly links: ReadonlyMap<string, string>;
}

/** What a container of `target` starts from. */
export function imageLayout(stages: readonly Stage[], target: string): ImageLayout {
  const stage = stages.find((s) => s.name === target);
  if (stage === undefined) {
    throw new DockerfileError(
      `Dockerfile: no stage '${target}' (stages: ${stages.map((s) => s.name).join(", ")})`,
    );
  }
  const deployed = deployedPackages(stages);
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const env: Record<string, string> = {};
  let workdir = "/";
  let user: string | undefined;
  const packages = new Map<string, string>();
  const links = new Map<string, string>();
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case "ENTRYPOINT":
        entrypoint = execForm(ins);
        cmd = [];
        break;
      case "CMD":
        cmd = execForm(ins);
        break;
      case "ENV":
        for (const [k, v] of envPairs(ins.args)) env[k] = v;
        break;
      case "WORKDIR":
        workdir = ins.args.startsWith("/") ? ins.args : `${workdir.replace(/\/$/, "")}/${ins.args}`;
        break;
      case "USER":
        user = ins.args;
        break;
      case "COPY": {
        const words = ins.args.split(/\s+/);
        if (!words[0]?.startsWith("--from=")) break;
        const [src, dest] = words.filter((w) => !w.startsWith("--"));
        const pkg = src === undefined ? undefined : deployed.get(src.replace(/\/$/, ""));
        if (pkg !== undefined && dest !== undefined) packages.set(dest.replace(/\/$/, ""), pkg);
        break;
      }
      case "RUN":
        for (const m of ins.args.matchAll(/\bln\s+-s\s+(\/\S+)\s+(\/\S+)/g)) {
          links.set(m[2] as string, m[1] as string);
        }
        break;
    }
  }
  return { target, entrypoint, cmd, env, workdir, user, packages, links };
}
