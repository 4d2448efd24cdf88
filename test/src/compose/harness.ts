/**
 * `docker compose up` without Docker: every selected service of a compose file started as local
 * processes exactly as it declares (container.ts), in depends_on order, one-shots waited for,
 * health checks run until healthy (bounded), published ports relayed from the host's loopback.
 * Whatever the file gets wrong makes `up` fail with the service, the reason and its output.
 *
 * What it cannot show: the image build itself (image-build.e2e.test.ts replays its steps),
 * Alpine's musl and busybox (the host's libc and /bin/sh run instead), the image's user (the
 * processes run as the test's user) and a volume's first owner (the image's chown).
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ComposeError, type ComposeProject, type ComposeService } from "./compose-file.js";
import { Container } from "./container.js";
import { type ImageLayout, imageLayout, parseDockerfile } from "./dockerfile.js";
import { type Forwarder, forward } from "./port-forward.js";

export interface UpOptions {
  /** `--profile` */
  readonly profiles?: readonly string[];
  /** `--scale service=N` */
  readonly scale?: Readonly<Record<string, number>>;
  /** `docker compose up A B`: these and what they depend on (default: every active service). */
  readonly services?: readonly string[];
  /**
   * `--wait`: return only once every started service is healthy (with a health check) or
   * running (without), one-shots completed.
   */
  readonly wait?: boolean;
  /** The longest any one wait (healthy, completed) may take; default 90 s. */
  readonly waitMs?: number;
  /**
   * Where the named volumes live. Docker keeps them across `down` and `up`: pass the same
   * directory to both. Default: inside the stack's temp directory, removed by `down`.
   */
  readonly volumesDir?: string;
  /** Run the image's packages from these directories (by name) instead of the workspace's. */
  readonly packageDirs?: Readonly<Record<string, string>>;
}

/** How long `down` gives each container after SIGTERM (compose's default stop timeout). */
const STOP_GRACE_MS = 10_000;
/** How often health checks run while waiting (compose's interval, compressed for tests). */
const POLL_MS = 250;

const stacks = new Set<ComposeStack>();

/** Ends every stack still up: for `after` hooks, so that no process outlives a failed test. */
export async function downAll(): Promise<void> {
  await Promise.all([...stacks].map((s) => s.down()));
}

export class ComposeStack {
  private readonly containers: Container[] = [];
  private readonly forwarders = new Map<number, Forwarder>();
  private readonly health = new Map<Container, Promise<void>>();
  private downing:
    | Promise<Map<string, { code: number | null; signal: NodeJS.Signals | null }>>
    | undefined;

  private constructor(
    readonly project: ComposeProject,
    readonly root: string,
    private readonly volumesDir: string,
    private readonly waitMs: number,
  ) {}

  /** Starts the project like `docker compose up -d` (plus waiting for what depends_on asks). */
  static async up(project: ComposeProject, options: UpOptions = {}): Promise<ComposeStack> {
    const order = plan(project, options);
    const root = await mkdtemp(join(tmpdir(), "kes-compose-"));
    const volumesDir = options.volumesDir ?? join(root, "volumes");
    const stack = new ComposeStack(project, root, volumesDir, options.waitMs ?? 90_000);
    stacks.add(stack);
    try {
      await stack.start(order, options.scale ?? {}, options.packageDirs ?? {});
      if (options.wait === true) await stack.settle("up --wait");
      return stack;
    } catch (err) {
      await stack.down();
      throw err;
    }
  }

  /** The containers of a service, in order (crypto-1, crypto-2). */
  containersOf(service: string): Container[] {
    return this.containers.filter((c) => c.plan.service.name === service);
  }

  /** One container by name (e.g. "gateway-1"). */
  container(name: string): Container {
    const c = this.containers.find((x) => x.name === name);
    if (c === undefined) throw new ComposeError(`no container ${name}`);
    return c;
  }

  /** The loopback port that stands for published host port `hostPort`. */
  hostPort(hostPort: number): number {
    const f = this.forwarders.get(hostPort);
    if (f === undefined) {
      throw new ComposeError(
        `host port ${hostPort} is not published (published: ${[...this.forwarders.keys()].join(", ") || "none"})`,
      );
    }
    return f.port;
  }

  /** A named volume's directory (what `docker compose cp` would read). */
  volume(name: string): string {
    if (!this.project.volumes.has(name)) throw new ComposeError(`no volume ${name}`);
    return join(this.volumesDir, name);
  }

  /**
   * `docker compose down`: dependents first, SIGTERM then SIGKILL after the grace period; the
   * temp directories go too. Returns how each container ended.
   */
  down(): Promise<Map<string, { code: number | null; signal: NodeJS.Signals | null }>> {
    this.downing ??= (async () => {
      const ends = new Map<string, { code: number | null; signal: NodeJS.Signals | null }>();
      for (const c of [...this.containers].reverse()) ends.set(c.name, await c.stop(STOP_GRACE_MS));
      await Promise.all([...this.forwarders.values()].map((f) => f.close()));
      await rm(this.root, { recursive: true, force: true });
      stacks.delete(this);
      return ends;
    })();
    return this.downing;
  }

  private async start(
    order: ComposeService[],
    scale: Readonly<Record<string, number>>,
    packageDirs: Readonly<Record<string, string>>,
  ) {
    const dockerfile = parseDockerfile(readFileSync(join(this.project.dir, "Dockerfile"), "utf8"));
    const packages = new Map([
      ...workspacePackages(this.project.dir),
      ...Object.entries(packageDirs),
    ]);
    const images = new Map<string, ImageLayout>();
    const block = await loopbackBlock();
    const replicas = new Map(order.map((s) => [s.name, scale[s.name] ?? 1]));
    for (const [name, n] of Object.entries(scale)) {
      if (!replicas.has(name))
        throw new ComposeError(`--scale ${name}: no such service is started`);
      if (!Number.isInteger(n) || n < 1) throw new ComposeError(`--scale ${name}=${n}: at least 1`);
    }
    // Every container's address is known before any starts: they resolve each other by name.
    const hosts: Record<string, string[]> = {};
    let next = 2;
    for (const s of order) {
      hosts[s.name] = Array.from({ length: replicas.get(s.name) ?? 1 }, () => `${block}.${next++}`);
    }
    for (const volume of this.project.volumes)
      await mkdir(this.volume(volume), { recursive: true });
    const volumes = new Map([...this.project.volumes].map((v) => [v, this.volume(v)] as const));
    // As compose does: each service starts as soon as its own dependencies are satisfied.
    const started = new Map<string, Promise<void>>();
    const startService = async (service: ComposeService): Promise<void> => {
      await Promise.all(
        Object.entries(service.dependsOn).map(async ([dep, condition]) => {
          await started.get(dep);
          await this.satisfy(service.name, dep, condition);
        }),
      );
      let image = images.get(service.target);
      if (image === undefined) {
        image = imageLayout(dockerfile, service.target);
        images.set(service.target, image);
      }
      const imageDirs = new Map<string, string>();
      for (const [dir, pkg] of image.packages) {
        const hostDir = packages.get(pkg);
        if (hostDir === undefined) {
          throw new ComposeError(`Dockerfile deploys ${pkg}: no such package`);
        }
        imageDirs.set(dir, hostDir);
      }
      const ips = hosts[service.name] ?? [];
      for (const [i, ip] of ips.entries()) {
        if (this.downing !== undefined) return;
        const name = `${service.name}-${i + 1}`;
        const root = join(this.root, "containers", name);
        const container = new Container({
          name,
          service,
          index: i,
          ip,
          image,
          packageDirs: imageDirs,
          volumes,
          hosts,
          root,
        });
        this.containers.push(container);
        await this.publish(container);
        await container.start();
      }
    };
    // `order` lists dependencies first, so each one's promise exists before it is awaited.
    for (const service of order) started.set(service.name, startService(service));
    // The first failure ends `up` (down() then stops whatever else was starting).
    await Promise.all(started.values());
  }

  /** Waits for every container to be healthy, running, or (a one-shot) done. */
  private async settle(who: string): Promise<void> {
    await Promise.all(
      this.containers.map(async (c) => {
        if (c.plan.service.healthcheck !== undefined) await this.healthy(who, c);
        else if (c.running) return;
        else if (c.exitCode !== 0) throw failure(c, `${c.name} exited (${c.exitCode})`);
      }),
    );
  }

  /** Relays each published port of `container` from the host's loopback. */
  private async publish(container: Container): Promise<void> {
    for (const mapping of container.plan.service.ports) {
      const ports = mapping.hostPorts;
      const hostPort = ports.length === 1 ? ports[0] : ports[container.plan.index];
      if (hostPort === undefined) {
        throw new ComposeError(
          `${container.name}: no host port left in ${ports[0]}-${ports.at(-1)} for another replica`,
        );
      }
      if (this.forwarders.has(hostPort)) {
        throw new ComposeError(
          `${container.name}: host port ${hostPort} is already allocated (a fixed port cannot be scaled)`,
        );
      }
      this.forwarders.set(
        hostPort,
        await forward({ host: container.ip, port: mapping.containerPort }),
      );
    }
  }

  /** Waits until `dep` meets `condition` for the service `who`. */
  private async satisfy(who: string, dep: string, condition: string): Promise<void> {
    const containers = this.containersOf(dep);
    if (condition === "service_completed_successfully") {
      await Promise.all(containers.map((c) => this.completed(who, c)));
    } else if (condition === "service_healthy") {
      if (containers[0]?.plan.service.healthcheck === undefined) {
        throw new ComposeError(
          `${who}: depends on ${dep} being healthy, but ${dep} has no healthcheck`,
        );
      }
      await Promise.all(containers.map((c) => this.healthy(who, c)));
    }
  }

  private async completed(who: string, c: Container): Promise<void> {
    const end = await c.waitForExit(this.waitMs);
    if (end === undefined) {
      throw failure(
        c,
        `${who} waits for ${c.name} to complete, still running after ${this.waitMs} ms`,
      );
    }
    if (end.code !== 0) {
      throw failure(
        c,
        `${who} needs ${c.name} to complete successfully; it exited with ${end.code ?? end.signal}`,
      );
    }
  }

  private healthy(who: string, c: Container): Promise<void> {
    let waiting = this.health.get(c);
    if (waiting === undefined) {
      waiting = this.pollHealth(c);
      this.health.set(c, waiting);
    }
    return waiting.catch((err: unknown) => {
      throw err instanceof ComposeError ? new ComposeError(`${who}: ${err.message}`) : err;
    });
  }

  /** Runs the health check until it passes; compose's own limit, at most waitMs. */
  private async pollHealth(c: Container): Promise<void> {
    const check = c.plan.service.healthcheck;
    if (check === undefined) return;
    const limit = Math.min(this.waitMs, check.startPeriodMs + check.intervalMs * check.retries);
    const deadline = Date.now() + limit;
    let last = "";
    for (;;) {
      if (!c.running) throw failure(c, `${c.name} exited (${c.exitCode}) before it was healthy`);
      const result = await c.exec(check.argv, check.timeoutMs);
      if (result.code === 0) return;
      last = result.output;
      if (Date.now() > deadline) {
        throw failure(c, `${c.name} is not healthy after ${limit} ms; last check said:\n${last}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

/** The services to start, dependencies first, checked as compose checks them. */
export function plan(project: ComposeProject, options: UpOptions): ComposeService[] {
  const profiles = new Set(options.profiles ?? []);
  const requested = new Set(options.services ?? []);
  const active = (s: ComposeService) =>
    s.profiles.length === 0 || s.profiles.some((p) => profiles.has(p)) || requested.has(s.name);
  for (const name of requested) {
    if (!project.services.has(name)) throw new ComposeError(`no such service: ${name}`);
  }
  const roots =
    requested.size > 0
      ? [...requested]
      : [...project.services.values()].filter(active).map((s) => s.name);
  const order: ComposeService[] = [];
  const visiting = new Set<string>();
  const visit = (name: string, from: string | undefined) => {
    const s = project.services.get(name) as ComposeService;
    if (order.includes(s)) return;
    if (!active(s)) {
      throw new ComposeError(
        `service ${from} depends on ${name}, which is only in profile(s) ${s.profiles.join(", ")}`,
      );
    }
    if (visiting.has(name)) throw new ComposeError(`depends_on cycle through ${name}`);
    visiting.add(name);
    for (const dep of Object.keys(s.dependsOn)) visit(dep, name);
    visiting.delete(name);
    order.push(s);
  };
  for (const name of roots) visit(name, undefined);
  checkRestartPolicies(project, order);
  return order;
}

/**
 * A one-shot (something waits for it to complete) must not be restarted when it is done, and a
 * service that runs must come back after a crash or a reboot.
 */
function checkRestartPolicies(project: ComposeProject, order: readonly ComposeService[]): void {
  const oneShots = new Set<string>();
  for (const s of project.services.values()) {
    for (const [dep, condition] of Object.entries(s.dependsOn)) {
      if (condition === "service_completed_successfully") oneShots.add(dep);
    }
  }
  for (const s of order) {
    if (oneShots.has(s.name) && /^(always|unless-stopped)$/.test(s.restart)) {
      throw new ComposeError(
        `services.${s.name}.restart: ${s.restart} would run the one-shot ${s.name} again and again`,
      );
    }
    if (!oneShots.has(s.name) && s.restart === "no") {
      throw new ComposeError(
        `services.${s.name}.restart: a long-running service needs a restart policy`,
      );
    }
  }
}

function failure(c: Container, what: string): ComposeError {
  const output = c.output.trim();
  const tail = output.length > 3000 ? `…${output.slice(-3000)}` : output;
  return new ComposeError(`${what}\n--- ${c.name} output ---\n${tail || "(none)"}`);
}

/** Workspace package name -> its directory, from pnpm-workspace.yaml. */
function workspacePackages(dir: string): Map<string, string> {
  const ws = parse(readFileSync(join(dir, "pnpm-workspace.yaml"), "utf8")) as {
    packages?: string[];
  };
  const out = new Map<string, string>();
  for (const pattern of ws.packages ?? []) {
    const dirs = pattern.endsWith("/*")
      ? listDirs(join(dir, pattern.slice(0, -2)))
      : [join(dir, pattern)];
    for (const d of dirs) {
      try {
        const pkg = JSON.parse(readFileSync(join(d, "package.json"), "utf8")) as { name?: string };
        if (pkg.name !== undefined) out.set(pkg.name, d);
      } catch {
        // not a package
      }
    }
  }
  return out;
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir).map((e) => join(dir, e));
  } catch {
    return [];
  }
}

/**
 * A random /24 in 127.0.0.0/8 for this stack's containers (127.x.y.2, .3, ...), checked to be
 * usable: Linux routes all of 127.0.0.0/8 to loopback; other systems may not.
 */
async function loopbackBlock(): Promise<string> {
  const block = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}`;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (err) =>
      reject(
        new ComposeError(
          `the compose harness gives each container an address in 127.0.0.0/8, but ${block}.1 is not usable here (${String(err)})`,
        ),
      ),
    );
    probe.listen(0, `${block}.1`, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return block;
}
