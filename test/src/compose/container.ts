/**
 * One container of a compose service, as a local process: the image's entrypoint and PATH
 * mapped to the workspace's own programs, the service's environment (and nothing of the
 * test's), its mounts rewritten to temp directories, its own loopback address and DNS
 * (container-net.ts). `exec` runs another command inside it, as `docker exec` (health checks).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ComposeError, type ComposeService } from "./compose-file.js";
import type { ImageLayout } from "./dockerfile.js";
import { type ContainerView, copyMount, rewrite } from "./rewrite.js";

/** The --import hook every Node process of a container loads. */
const NET_HOOK = pathToFileURL(join(import.meta.dirname, "container-net.js")).href;

/** Host programs a container may name by absolute path: the shell of the image. */
const SYSTEM_PATHS = new Set(["/bin/sh", "/usr/bin/env"]);

export interface ContainerPlan {
  /** e.g. crypto-2 */
  readonly name: string;
  readonly service: ComposeService;
  readonly index: number;
  readonly ip: string;
  readonly image: ImageLayout;
  /** Host directories of the image's deployed packages, by image directory (/app). */
  readonly packageDirs: ReadonlyMap<string, string>;
  /** Named volume -> its host directory (shared by every container). */
  readonly volumes: ReadonlyMap<string, string>;
  /** service name -> the addresses of its containers. */
  readonly hosts: Readonly<Record<string, readonly string[]>>;
  /** This container's own temp directory. */
  readonly root: string;
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

export class Container {
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private out = "";
  private env: Record<string, string> = {};
  private view: ContainerView = { paths: new Map(), ip: "" };
  private pathDir = "";
  /** Set by stop(): a start still preparing then does not spawn. */
  private stopped = false;
  /** How the main process ended, once it has. */
  private end: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(readonly plan: ContainerPlan) {}

  get name(): string {
    return this.plan.name;
  }

  get ip(): string {
    return this.plan.ip;
  }

  /** Everything it wrote on stdout and stderr, in order. */
  get output(): string {
    return this.out;
  }

  get running(): boolean {
    const c = this.child;
    return (
      c !== undefined && this.end === undefined && c.exitCode === null && c.signalCode === null
    );
  }

  get exitCode(): number | null {
    return this.child?.exitCode ?? this.end?.code ?? null;
  }

  /** Lays out its file system view and starts its main process. */
  async start(): Promise<void> {
    await this.prepare();
    if (this.stopped) return;
    const { service, image } = this.plan;
    // compose: entrypoint replaces the image's (and drops its CMD); command replaces CMD.
    const argv = [
      ...(service.entrypoint ?? image.entrypoint),
      ...(service.command ?? (service.entrypoint === undefined ? image.cmd : [])),
    ];
    if (argv.length === 0) throw new ComposeError(`${this.name}: nothing to run`);
    const [file, ...args] = this.resolve(argv);
    this.child = spawn(file as string, args, {
      cwd: this.workdir(),
      env: this.env,
      // Not detached: if the test run itself is killed, its process group takes these along.
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8").on("data", (s: string) => {
      this.out += s;
    });
    this.child.stderr?.setEncoding("utf8").on("data", (s: string) => {
      this.out += s;
    });
    this.exited = ended(this.child, (err) => {
      this.out += `\n[harness] cannot start: ${String(err)}\n`;
    }).then((end) => {
      this.end = end;
      return end;
    });
  }

  /** Runs `argv` inside the container (its environment, files and network), bounded. */
  async exec(argv: readonly string[], timeoutMs: number): Promise<ExecResult> {
    const [file, ...args] = this.resolve(argv);
    const child = spawn(file as string, args, {
      cwd: this.workdir(),
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      output += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      output += s;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      const end = await ended(child, (err) => {
        output += `cannot start: ${String(err)}\n`;
      });
      return { ...end, output };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for its main process to end, at most `timeoutMs`. */
  async waitForExit(
    timeoutMs: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (this.exited === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `docker stop`: SIGTERM to the main process, SIGKILL after `graceMs`. How it ended. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.stopped = true;
    if (this.child === undefined || this.exited === undefined) return { code: null, signal: null };
    if (this.running) this.child.kill("SIGTERM");
    return (await this.waitForExit(graceMs)) ?? (await this.kill());
  }

  /** SIGKILL, and the exit. */
  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child === undefined || this.exited === undefined) return { code: null, signal: null };
    this.child.kill("SIGKILL");
    return this.exited;
  }

  /** The container's directory for a path, e.g. /certs -> its volume's temp dir. */
  hostPath(containerPath: string): string {
    return rewrite(containerPath, this.view);
  }

  /**
   * Its own directory, not the image's WORKDIR: that would be a package of the workspace, which
   * the image's non-root user could not write to either. Commands use absolute paths.
   */
  private workdir(): string {
    return join(this.plan.root, "workdir");
  }

  /** Mounts, PATH and environment. */
  private async prepare(): Promise<void> {
    const { service, image, root } = this.plan;
    const paths = new Map<string, string>(this.plan.packageDirs);
    const binds: { source: string; dest: string; readOnly: boolean }[] = [];
    service.mounts.forEach((m, i) => {
      if (m.type === "volume") {
        paths.set(m.target, this.plan.volumes.get(m.source) as string);
      } else {
        const dest = join(root, "mounts", String(i));
        paths.set(m.target, dest);
        binds.push({ source: m.source, dest, readOnly: m.readOnly });
      }
    });
    this.view = { paths, ip: this.plan.ip };
    for (const b of binds) {
      if (!existsSync(b.source)) {
        throw new ComposeError(`${this.name}: bind mount source ${b.source} does not exist`);
      }
      await copyMount(b.source, b.dest, this.view, b.readOnly);
    }
    for (const dir of ["workdir", "home", "tmp", "bin"])
      await mkdir(join(root, dir), { recursive: true });
    // The image's commands on PATH (its `ln -s` lines), pointing at the workspace's files.
    this.pathDir = join(root, "bin");
    for (const [link, target] of image.links) {
      const host = rewrite(target, this.view);
      if (host === target) {
        throw new ComposeError(
          `${this.name}: ${link} -> ${target} is outside the deployed package`,
        );
      }
      await symlink(host, join(this.pathDir, link.slice(link.lastIndexOf("/") + 1)));
    }
    const declared = Object.fromEntries(
      Object.entries(service.environment).map(([k, v]) => [k, rewrite(v, this.view)]),
    );
    const imageEnv = Object.fromEntries(
      Object.entries(image.env).map(([k, v]) => [k, rewrite(v, this.view)]),
    );
    this.env = {
      PATH: [this.pathDir, dirname(process.execPath), "/usr/bin", "/bin"].join(":"),
      HOME: join(root, "home"),
      HOSTNAME: this.name,
      TMPDIR: join(root, "tmp"),
      ...imageEnv,
      ...declared,
      NODE_OPTIONS: [declared["NODE_OPTIONS"] ?? imageEnv["NODE_OPTIONS"], `--import=${NET_HOOK}`]
        .filter((o) => o !== undefined && o !== "")
        .join(" "),
      COMPOSE_HARNESS_NET: JSON.stringify({ ip: this.plan.ip, hosts: this.plan.hosts }),
    };
  }

  /** The program to start for argv[0], found as the image would find it. */
  private resolve(argv: readonly string[]): string[] {
    const [command = "", ...args] = argv.map((a) => rewrite(a, this.view));
    const original = argv[0] ?? "";
    let file: string;
    if (original.includes("/")) {
      if (command !== original)
        file = command; // under a mount or a deployed package
      else if (SYSTEM_PATHS.has(original)) file = original;
      else throw new ComposeError(`${this.name}: ${original}: no such file in the image`);
    } else if (original === "node") {
      file = process.execPath;
    } else if (original === "sh") {
      file = "/bin/sh";
    } else if (existsSync(join(this.pathDir, original))) {
      file = join(this.pathDir, original);
    } else {
      throw new ComposeError(`${this.name}: ${original}: command not found in the image`);
    }
    return [file, ...args];
  }
}

/** How a process ended; one that could not start counts as exit code 127, as in a shell. */
function ended(
  child: ChildProcess,
  onError: (err: Error) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once("error", (err) => {
      onError(err);
      resolve({ code: 127, signal: null });
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
}
