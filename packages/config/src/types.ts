/**
 * The KES server configuration, as @kes/config produces it from a KES config file
 * (kes-api.md §7). Durations are milliseconds. Paths are absolute (resolved against the
 * config file's directory). The same type configures `kes server` and each split service.
 */
export interface KesConfig {
  /** Absolute path of the file this came from ("" for an embedded config). */
  readonly file: string;
  /** `address`, default "0.0.0.0:7373". */
  readonly address: string;
  /** The admin identity (from `admin.identity` or the legacy `root`), or null when disabled. */
  readonly admin: string | null;
  readonly tls: TlsConfig;
  readonly cache: CacheConfig;
  readonly log: LogConfig;
  /** `api.<path>` settings (2023-04+). */
  readonly api: Readonly<Record<string, ApiConfig>>;
  readonly policies: Readonly<Record<string, PolicyConfig>>;
  /** `keys[].name`: keys created at startup when missing. */
  readonly keys: readonly string[];
  readonly keystore: KeystoreConfig;
  /**
   * `services` (our extension, for the split deployment): where the crypto and keystore
   * services listen and are dialled, and the internal mutual TLS. `kes server` only validates
   * it. Absent when the file has no `services` block.
   */
  readonly services?: ServicesConfig;
  /** Keys we accept but do not act on, and other non-fatal remarks, to be logged at startup. */
  readonly warnings: readonly ConfigWarning[];
  /**
   * Where the path settings (tls.cert, services.tls.ca, ...) are written, so an error about one
   * of those files names file:line: key like every other config error (checkConfigFiles).
   * Absent for a config built in code.
   */
  readonly source?: ConfigSource;
}

export interface ConfigSource {
  /** The config file as the user named it, as ConfigError shows it. */
  readonly file: string;
  /** Each path setting by its dotted key, e.g. "tls.cert". */
  readonly paths: Readonly<Record<string, PathSetting>>;
}

export interface PathSetting {
  /** Absolute (resolved against the config file's directory). */
  readonly path: string;
  readonly line?: number;
}

export interface TlsConfig {
  readonly key: string;
  readonly cert: string;
  /** Password of an encrypted PEM private key. */
  readonly password?: string;
  /** A CA file or a directory of them, trusted for client certificates. */
  readonly ca?: string;
  /** `tls.auth` (2023-11+ spelling of --auth); undefined when not set. */
  readonly auth?: "on" | "off";
}

export interface CacheConfig {
  readonly expiry: {
    /** Every `any` ms the whole cache is emptied. Default 5 min. */
    readonly any: number;
    /** Entries unused for `unused` ms are evicted. Default 30 s. */
    readonly unused: number;
    /** Offline cache lifetime; 0 disables the offline cache. Default 0. */
    readonly offline: number;
  };
}

export interface LogConfig {
  /** Error log to stderr. Default on. */
  readonly error: boolean;
  /** Audit log to stdout. Default off. */
  readonly audit: boolean;
}

export interface ApiConfig {
  readonly skipAuth: boolean;
  readonly timeoutMs?: number;
}

export interface PolicyConfig {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly identities: readonly string[];
}

export type KeystoreConfig =
  | { readonly kind: "memory" }
  | { readonly kind: "fs"; readonly path: string }
  | {
      readonly kind: "gemalto.keysecure";
      /** e.g. "https://127.0.0.1"; the scheme decides TLS. */
      readonly endpoint: string;
      /** The refresh token. */
      readonly token: string;
      /** "" = root domain. */
      readonly domain: string;
      /** Wait after a failed token renewal, ms. Default 5 s. */
      readonly retryMs: number;
      /** CA file or directory trusted for the CipherTrust Manager's certificate. */
      readonly ca?: string;
    }
  | {
      /** A keystore service (ours or a plug-in) reached over gRPC. */
      readonly kind: "grpc";
      /** e.g. "https://keystore.internal:7374"; the scheme decides TLS. */
      readonly endpoint: string;
      /** Per-call deadline, ms (`keystore.grpc.timeout`); unset = the client's default. */
      readonly timeoutMs?: number;
      /** `keystore.grpc.tls`: CA for the service's certificate, and our client certificate. */
      readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
    };

export interface ConfigWarning {
  /** Dotted key path, e.g. "tls.proxy". */
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

/** The split deployment: one process per service, mutual TLS between them. */
export interface ServicesConfig {
  /**
   * `services.tls`: the internal CA and this process's certificate and key (paths). Absent:
   * plaintext, which the split services refuse unless told `--insecure-internal`.
   */
  readonly tls?: InternalTlsConfig;
  readonly crypto: ServiceAddressConfig;
  readonly keystore: ServiceAddressConfig;
}

export interface InternalTlsConfig {
  /** The internal CA certificate: peers must present certificates it signed. */
  readonly ca: string;
  /** This process's certificate (its role is in it) and private key. */
  readonly cert: string;
  readonly key: string;
}

export interface ServiceAddressConfig {
  /** `listen`: host:port the service binds (port 0 = any free port). */
  readonly listen: string;
  /** `address`: host:port entries its clients dial; the keystore has exactly one. */
  readonly address: readonly string[];
}
