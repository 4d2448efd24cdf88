import dns from "node:dns";
import { isIP } from "node:net";
import {
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  connectivityState,
} from "@grpc/grpc-js";
import { errors, type Logger, silentLogger } from "@kes/core";
import { type CryptoHost, cryptoHost, hostPort } from "./addresses.js";

/**
 * grpc-js settings for a channel to one crypto process. The short reconnect backoff lets a
 * restarted crypto process be used again within seconds (grpc-js's default backoff grows to
 * 2 minutes); keepalive notices a peer that vanished without closing its connection.
 */
export const CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 2_000,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
};

export { cryptoAddresses } from "./addresses.js";

export const UNREACHABLE = "service unavailable: crypto service is not reachable";

/** A host name's addresses (IP literals), as `dns.lookup(host, { all: true })` gives them. */
export type Lookup = (hostname: string) => Promise<readonly string[]>;

export interface PoolOptions {
  /** Default: node:dns lookup (getaddrinfo: /etc/hosts, then DNS), as grpc-js itself resolves. */
  readonly lookup?: Lookup;
  /** How often host names are looked up again. Default 10 s. */
  readonly refreshMs?: number;
  /** Resolution changes (info) and failures (warn). */
  readonly logger?: Logger;
}

/** What a caller keeps per channel (the gateway's Session): closed with it once idle. */
export interface ChannelUser {
  /** No call in flight or queued. */
  readonly idle: boolean;
  close(): void;
}

/** A channel to one crypto process: one resolved IP:port of one configured address. */
export class PoolChannel<S extends ChannelUser> {
  /** Unary calls in flight: counted by the caller, released with ClientPool.release. */
  calls = 0;
  /** The caller's per-channel state, made on first use. */
  session: S | undefined;
  /** No longer resolved: takes no new calls, closed once idle. */
  retired = false;
  closed = false;
  /** Times it went to TRANSIENT_FAILURE. */
  failures = 0;

  constructor(
    /** The configured address it came from. */
    readonly address: CryptoHost,
    readonly ip: string,
    readonly client: Client,
  ) {}

  get target(): string {
    return hostPort(this.ip, this.address.port);
  }

  get idle(): boolean {
    return this.calls === 0 && (this.session?.idle ?? true);
  }
}

const DEFAULT_REFRESH_MS = 10_000;
/** The soonest a channel's failure makes the pool look its names up again after the last time. */
const MIN_REFRESH_GAP_MS = 1_000;
/** A lookup that has not answered by then counts as failed (getaddrinfo cannot be cancelled). */
const LOOKUP_TIMEOUT_MS = 5_000;
/** How often channels that are no longer resolved are checked for their last call to finish. */
const SWEEP_MS = 200;

const systemLookup: Lookup = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true })).map((a) => a.address);

/**
 * One grpc-js channel per crypto process. Each configured address that is a host name is looked
 * up here (every `refreshMs`, and soon after a channel fails), and every IP it resolves to gets a
 * channel of its own, dialled by IP with the TLS server name (and `:authority`) set to the
 * configured name: the server certificate is checked against the name, as when grpc-js resolved
 * it. So a stream (the gateway's Session) is bound to one process, and each process gets its own:
 * `docker compose up --scale crypto=3` spreads the hot path over all three, and a container added
 * later is used from the next lookup on. An IP address is dialled as it is, never looked up.
 *
 * Calls go round robin over the channels that are READY. A channel whose address is no longer
 * resolved takes no new calls and is closed once its calls in flight are answered; a failed
 * lookup keeps the channels the name had. While none is READY, a call waits (within its deadline)
 * for one to connect, and fails as unreachable once every channel has failed to connect.
 */
export class ClientPool<S extends ChannelUser> {
  readonly #addresses: readonly CryptoHost[];
  readonly #credentials: ChannelCredentials;
  readonly #lookup: Lookup;
  readonly #logger: Logger;
  readonly #minGapMs: number;
  /** Per configured address, its channels. */
  readonly #byAddress: PoolChannel<S>[][];
  /** Every channel that takes calls. */
  #active: PoolChannel<S>[] = [];
  readonly #retired = new Set<PoolChannel<S>>();
  #next = 0;
  #resolving: Promise<void> | undefined;
  #lastRefreshAt = 0;
  #refreshTimer: NodeJS.Timeout | undefined;
  #soonTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Calls waiting for a channel: woken on every state or set change. */
  readonly #waiters = new Set<() => void>();
  /** The last failure logged per address, so that a name that stays unresolvable logs once. */
  readonly #warned = new Map<CryptoHost, string>();

  constructor(
    addresses: readonly string[],
    credentials: ChannelCredentials,
    options: PoolOptions = {},
  ) {
    this.#addresses = addresses.map(cryptoHost);
    this.#credentials = credentials;
    this.#lookup = options.lookup ?? systemLookup;
    this.#logger = options.logger ?? silentLogger();
    const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
    this.#minGapMs = Math.min(MIN_REFRESH_GAP_MS, refreshMs);
    this.#byAddress = this.#addresses.map((a) =>
      isIP(a.host) === 0 ? [] : [this.#channel(a, a.host)],
    );
    this.#active = this.#byAddress.flat();
    if (this.#addresses.some((a) => isIP(a.host) === 0)) {
      void this.refresh();
      this.#refreshTimer = setInterval(() => void this.refresh(), refreshMs);
      this.#refreshTimer.unref();
    }
  }

  /** The next READY channel, round robin; undefined when none is (see `ready`). */
  pick(): PoolChannel<S> | undefined {
    const list = this.#active;
    const n = list.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#next + k) % n;
      const ch = list[i] as PoolChannel<S>;
      const channel = ch.client.getChannel();
      const state = channel.getConnectivityState(false);
      if (state === connectivityState.READY) {
        this.#next = (i + 1) % n;
        return ch;
      }
      if (state === connectivityState.IDLE) channel.getConnectivityState(true);
    }
    return undefined;
  }

  /**
   * A READY channel, waiting for one to connect (or for the first lookup) until `deadlineAt` or
   * an abort (`timeout`). `service_unavailable` once every channel failed to connect, or when
   * there is none.
   */
  async ready(deadlineAt: number, signal?: AbortSignal): Promise<PoolChannel<S>> {
    const failuresBefore = new Map<PoolChannel<S>, number>();
    for (;;) {
      if (this.#closed) throw errors.serviceUnavailable(UNREACHABLE);
      const ch = this.pick();
      if (ch !== undefined) return ch;
      if (this.#active.length === 0) {
        if (this.#resolving === undefined) {
          this.#refreshSoon();
          throw errors.serviceUnavailable(UNREACHABLE);
        }
      } else {
        const failed = this.#active.every((c) => {
          if (!failuresBefore.has(c)) failuresBefore.set(c, c.failures);
          const state = c.client.getChannel().getConnectivityState(false);
          return (
            state === connectivityState.TRANSIENT_FAILURE ||
            c.failures > (failuresBefore.get(c) as number)
          );
        });
        if (failed) throw errors.serviceUnavailable(UNREACHABLE);
      }
      await this.#change(deadlineAt, signal);
    }
  }

  /** Ends a unary call counted in `ch.calls`. */
  release(ch: PoolChannel<S>): void {
    ch.calls--;
    if (ch.retired && ch.idle) this.#sweep();
  }

  /** Looks every host name up again now (one lookup at a time). */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#resolving ??= this.#resolve()
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        this.#logger.warn({ reason }, "crypto service addresses not updated");
      })
      .finally(() => {
        this.#resolving = undefined;
        this.#notify();
      });
    return this.#resolving;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#refreshTimer);
    clearTimeout(this.#soonTimer);
    clearInterval(this.#sweepTimer);
    for (const ch of [...this.#active, ...this.#retired]) this.#closeChannel(ch);
    this.#active = [];
    this.#retired.clear();
    this.#notify();
  }

  #channel(address: CryptoHost, ip: string): PoolChannel<S> {
    const options =
      isIP(address.host) === 0
        ? {
            ...CHANNEL_OPTIONS,
            "grpc.ssl_target_name_override": address.host,
            "grpc.default_authority": hostPort(address.host, address.port),
          }
        : CHANNEL_OPTIONS;
    const ch = new PoolChannel<S>(
      address,
      ip,
      new Client(hostPort(ip, address.port), this.#credentials, options),
    );
    this.#watch(ch);
    return ch;
  }

  /** Follows a channel's state for as long as it is open: failures, and waking waiting calls. */
  #watch(ch: PoolChannel<S>): void {
    const channel = ch.client.getChannel();
    const state = channel.getConnectivityState(false);
    if (ch.closed || state === connectivityState.SHUTDOWN) return;
    channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => {
      if (ch.closed) return;
      if (channel.getConnectivityState(false) === connectivityState.TRANSIENT_FAILURE) {
        ch.failures++;
        this.#refreshSoon();
      }
      this.#watch(ch);
      this.#notify();
    });
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Until the next state or set change; `timeout` at the deadline or on abort. */
  #change(deadlineAt: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        signal?.removeEventListener("abort", abort);
      };
      const wake = () => {
        done();
        resolve();
      };
      const abort = () => {
        done();
        reject(errors.timeout());
      };
      const timer = setTimeout(abort, Math.max(0, deadlineAt - Date.now()));
      this.#waiters.add(wake);
      if (signal?.aborted) abort();
      else signal?.addEventListener("abort", abort, { once: true });
    });
  }

  /** A refresh soon after a failure, at most one per MIN_REFRESH_GAP_MS. */
  #refreshSoon(): void {
    if (this.#closed || this.#resolving !== undefined || this.#soonTimer !== undefined) return;
    if (this.#refreshTimer === undefined) return; // IP addresses only: nothing to look up
    const wait = this.#lastRefreshAt + this.#minGapMs - Date.now();
    if (wait <= 0) {
      void this.refresh();
      return;
    }
    this.#soonTimer = setTimeout(() => {
      this.#soonTimer = undefined;
      void this.refresh();
    }, wait);
    this.#soonTimer.unref();
  }

  async #resolve(): Promise<void> {
    this.#lastRefreshAt = Date.now();
    const found = await Promise.all(
      this.#addresses.map((a) => (isIP(a.host) === 0 ? this.#lookUp(a) : undefined)),
    );
    if (this.#closed) return;
    for (const [i, ips] of found.entries()) {
      if (ips === undefined) continue; // an IP address, or a failed lookup: as it was
      this.#update(i, ips);
    }
    this.#active = this.#byAddress.flat();
    this.#sweep();
  }

  async #lookUp(address: CryptoHost): Promise<readonly string[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const ips = await Promise.race([
        this.#lookup(address.host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)),
            LOOKUP_TIMEOUT_MS,
          );
        }),
      ]);
      const valid = [...new Set(ips)].filter((ip) => isIP(ip) !== 0);
      if (valid.length === 0) throw new Error("no addresses");
      this.#warned.delete(address);
      return valid;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (this.#warned.get(address) !== reason) {
        this.#warned.set(address, reason);
        const { length } = this.#byAddress[this.#addresses.indexOf(address)] ?? [];
        this.#logger.warn(
          { address: hostPort(address.host, address.port), reason, channels: length },
          "cannot resolve the crypto service address: keeping its current channels",
        );
      }
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Address `i` now resolves to `ips`: new ones get a channel, vanished ones retire. */
  #update(i: number, ips: readonly string[]): void {
    const address = this.#addresses[i] as CryptoHost;
    const current = this.#byAddress[i] as PoolChannel<S>[];
    const next = ips.map((ip) => {
      const kept = current.find((c) => c.ip === ip);
      if (kept !== undefined) return kept;
      // Back before its channel was closed: it takes calls again.
      const revived = [...this.#retired].find((c) => c.address === address && c.ip === ip);
      if (revived !== undefined) {
        this.#retired.delete(revived);
        revived.retired = false;
        return revived;
      }
      return this.#channel(address, ip);
    });
    const gone = current.filter((c) => !next.includes(c));
    const changed = gone.length > 0 || next.some((c) => !current.includes(c));
    this.#byAddress[i] = next;
    for (const ch of gone) {
      ch.retired = true;
      this.#retired.add(ch);
    }
    if (changed) {
      this.#logger.info(
        { address: hostPort(address.host, address.port), targets: next.map((c) => c.target) },
        "crypto service address resolved",
      );
    }
  }

  /** Closes the retired channels that are idle; checks again later while some are not. */
  #sweep(): void {
    for (const ch of this.#retired) {
      if (!ch.idle) continue;
      this.#retired.delete(ch);
      this.#closeChannel(ch);
      this.#logger.debug(
        { target: ch.target },
        "closed the channel to a crypto process no longer resolved",
      );
    }
    if (this.#retired.size === 0) {
      clearInterval(this.#sweepTimer);
      this.#sweepTimer = undefined;
    } else if (this.#sweepTimer === undefined && !this.#closed) {
      this.#sweepTimer = setInterval(() => this.#sweep(), SWEEP_MS);
      this.#sweepTimer.unref();
    }
  }

  #closeChannel(ch: PoolChannel<S>): void {
    ch.closed = true;
    ch.session?.close();
    ch.client.close();
  }
}
