/**
 * Loaded into every Node process of a harness container (NODE_OPTIONS=--import=...): the part
 * of a compose network that no text rewrite can give, without touching /etc/hosts.
 *
 * - DNS: a compose service name resolves to the addresses of all its containers (one A record
 *   each, as Docker's DNS answers with --scale), `localhost` to the container's own address;
 *   other names resolve as usual. A service that is not running has no name, as in compose.
 * - Listening on every interface (0.0.0.0, ::, or no host) or on loopback means the
 *   container's own address: each container has one in 127.0.0.0/8.
 *
 * Configured by COMPOSE_HARNESS_NET = {"ip": "127.a.b.c", "hosts": {"crypto": ["127.a.b.d"]}}.
 */
import dns from "node:dns";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";

interface NetSpec {
  readonly ip: string;
  readonly hosts: Readonly<Record<string, readonly string[]>>;
}

type Address = { address: string; family: 4 };
type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address?: unknown,
  family?: number,
) => void;

const spec = process.env["COMPOSE_HARNESS_NET"];
if (spec !== undefined && spec !== "") install(JSON.parse(spec) as NetSpec);

function install({ ip, hosts }: NetSpec): void {
  const table = new Map<string, readonly string[]>(
    Object.entries(hosts).map(([name, ips]) => [name.toLowerCase(), ips]),
  );
  table.set("localhost", [ip]);
  const answer = (host: unknown): readonly string[] | undefined =>
    typeof host === "string" ? table.get(host.toLowerCase()) : undefined;
  const notFound = (host: string) =>
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
      code: "ENOTFOUND",
      syscall: "getaddrinfo",
      hostname: host,
    });

  const lookup = dns.lookup;
  const patched = (hostname: string, options: unknown, callback?: LookupCallback) => {
    const cb = (typeof options === "function" ? options : callback) as LookupCallback;
    const opts = (typeof options === "object" && options !== null ? options : {}) as {
      all?: boolean;
      family?: number | string;
    };
    const family = typeof options === "number" ? options : Number(opts.family ?? 0);
    const ips = answer(hostname);
    if (ips === undefined) {
      return (lookup as (...a: unknown[]) => void)(hostname, options, callback);
    }
    // Docker's DNS has no AAAA records for services.
    if (family === 6 || ips.length === 0) {
      process.nextTick(cb, notFound(hostname));
      return;
    }
    const list: Address[] = ips.map((address) => ({ address, family: 4 }));
    if (opts.all === true) process.nextTick(cb, null, list);
    else process.nextTick(cb, null, ips[0], 4);
  };
  dns.lookup = patched as typeof dns.lookup;

  const lookupPromise = dns.promises.lookup;
  dns.promises.lookup = (async (hostname: string, options?: unknown) => {
    const ips = answer(hostname);
    if (ips === undefined) {
      return (lookupPromise as (...a: unknown[]) => Promise<unknown>)(hostname, options);
    }
    const opts = (typeof options === "object" && options !== null ? options : {}) as {
      all?: boolean;
      family?: number;
    };
    const family = typeof options === "number" ? options : Number(opts.family ?? 0);
    if (family === 6 || ips.length === 0) throw notFound(hostname);
    const list: Address[] = ips.map((address) => ({ address, family: 4 }));
    return opts.all === true ? list : list[0];
  }) as typeof dns.promises.lookup;

  const own = (host: unknown): unknown =>
    host === undefined ||
    host === null ||
    host === "" ||
    host === "0.0.0.0" ||
    host === "::" ||
    host === "127.0.0.1" ||
    host === "::1" ||
    host === "localhost"
      ? ip
      : host;
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
      if (typeof args[1] === "string" || args[1] === undefined || args[1] === null) {
        args[1] = own(args[1]);
      } else {
        args.splice(1, 0, ip); // listen(port, backlog?, callback?): every interface
      }
    } else if (first !== null && typeof first === "object" && "port" in first) {
      args[0] = { ...first, host: own((first as { host?: unknown }).host) };
    } else if (first === undefined || typeof first === "function") {
      args.unshift(0, ip); // listen(callback?): a random port on every interface
    }
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof net.Server.prototype.listen;

  // ESM imports of node:dns see the patched functions too.
  syncBuiltinESMExports();
}
