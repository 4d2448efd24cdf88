import {
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  connectivityState,
} from "@grpc/grpc-js";

/**
 * grpc-js settings for a channel to one crypto address. round_robin spreads calls over every
 * address a DNS name resolves to (docker compose `--scale crypto=3` gives one name several A
 * records); the short reconnect backoff lets a restarted crypto process be used again within
 * seconds (grpc-js's default backoff grows to 2 minutes); keepalive notices a peer that vanished
 * without closing its connection.
 */
export const CHANNEL_OPTIONS: ChannelOptions = {
  "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  "grpc.initial_reconnect_backoff_ms": 250,
  "grpc.max_reconnect_backoff_ms": 2_000,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
};

export { cryptoAddresses } from "./addresses.js";

export interface ClientPool {
  /** The client for the next call. */
  pick(): Client;
  close(): void;
}

/**
 * One grpc-js channel per address, used in turn. A channel that is not connected is passed over
 * while another one is, and asked to reconnect in the background, so a dead crypto process
 * costs no failed calls while a live one remains.
 */
export function clientPool(
  addresses: readonly string[],
  credentials: ChannelCredentials,
): ClientPool {
  const clients = addresses.map((a) => new Client(a, credentials, CHANNEL_OPTIONS));
  const only = clients.length === 1 ? clients[0] : undefined;
  let next = 0;
  return {
    pick() {
      if (only !== undefined) return only;
      const states = clients.map((c) => c.getChannel().getConnectivityState(false));
      for (const [i, state] of states.entries()) {
        if (state === connectivityState.IDLE) clients[i]?.getChannel().getConnectivityState(true);
      }
      const start = next;
      next = (next + 1) % clients.length;
      const order = clients.map((_, k) => (start + k) % clients.length);
      const chosen =
        order.find((i) => states[i] === connectivityState.READY) ??
        order.find((i) => states[i] !== connectivityState.TRANSIENT_FAILURE) ??
        start;
      return clients[chosen] as Client;
    },
    close() {
      for (const client of clients) client.close();
    },
  };
}
