/**
 * Every environment variable Portcullis reads: its kind, bounds, default and a one-line meaning.
 * The single source of truth: `loadConfig` takes defaults, bounds and allowed values from here,
 * and `npm run docs:config` writes docs/configuration.md from it (a test fails when that file is
 * stale). Keep `doc` to one short line; the guide named by `see` holds the rest.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DECISION_LOG_MODES = ['all', 'denials', 'none'] as const;

/** Sections of the reference, in the order it lists them. */
export const ENV_SECTIONS = {
  listening: 'Listening',
  storage: 'Database and Redis',
  secrets: 'Secret, bootstrap and configuration file',
  groups: 'Built-in groups',
  caches: 'Caches and memory',
  logs: 'Logs',
  providers: 'Identity providers',
  limits: 'Limits and quotas',
  console: 'Web console',
  mail: 'E-mail',
  lifecycle: 'Shutdown',
  cli: 'The CLI',
} as const;
export type EnvSection = keyof typeof ENV_SECTIONS;

interface Common {
  section: EnvSection;
  /** One short line: what the variable does. */
  doc: string;
  /** A guide with the details, relative to docs/ (`production.md#the-server-secret`). */
  see?: string;
  /** Read by the `portcullis` CLI, not by the service. */
  cli?: true;
}

export type EnvVariable =
  | (Common & {
      kind: 'integer';
      default: number;
      min: number;
      max: number;
      /** What the number counts, for the reference (`seconds`). */
      unit?: string;
      /** Also accepts the word `off` (no number). */
      off?: true;
    })
  | (Common & { kind: 'url'; protocols: readonly string[]; defaultText?: string })
  | (Common & { kind: 'choice'; values: readonly string[]; default: string })
  | (Common & { kind: 'rate'; default: string })
  | (Common & {
      kind: 'text';
      default?: string;
      /** Shown as the default when there is no literal one (`generated in DATA_DIR`). */
      defaultText?: string;
      /** What a value looks like, for the reference (`host:port,host:port`). */
      format?: string;
    });

export const ENV_VARIABLES = {
  // Listening
  HOST: {
    section: 'listening',
    kind: 'text',
    default: '127.0.0.1',
    format: 'IP address, `localhost`',
    doc: 'address to listen on (`0.0.0.0` in containers)',
  },
  PORT: {
    section: 'listening',
    kind: 'integer',
    default: 8080,
    min: 0,
    max: 65535,
    doc: 'HTTP port: the decision endpoints, the admin API and the console',
  },
  GRPC_PORT: {
    section: 'listening',
    kind: 'integer',
    default: 9090,
    min: 0,
    max: 65535,
    off: true,
    doc: "Envoy ext_authz gRPC port (also Prometheus's default); `0`: any free port",
    see: 'envoy.md',
  },
  PUBLIC_URL: {
    section: 'listening',
    kind: 'url',
    protocols: ['http:', 'https:'],
    doc: "public base URL: introspection's `iss`, the base of providers' redirect URIs",
  },
  AUTH_REALM: {
    section: 'listening',
    kind: 'text',
    default: 'portcullis',
    doc: 'realm in `WWW-Authenticate` challenges',
  },
  NODE_ENV: {
    section: 'listening',
    kind: 'text',
    default: 'development',
    doc: '`production` makes `PORTCULLIS_SECRET` mandatory',
  },

  // Database and Redis
  DATABASE_URL: {
    section: 'storage',
    kind: 'url',
    protocols: ['postgres:', 'postgresql:'],
    doc: 'PostgreSQL; without it, the embedded database under `DATA_DIR`',
    see: 'production.md#postgresql-and-redis',
  },
  DATABASE_POOL_SIZE: {
    section: 'storage',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 1000,
    doc: 'PostgreSQL connections per instance',
  },
  DATABASE_QUERY_TIMEOUT_MS: {
    section: 'storage',
    kind: 'integer',
    default: 5000,
    min: 100,
    max: 600_000,
    unit: 'ms',
    doc: 'longest wait for a query or connection; then the decision is "unavailable"',
    see: 'reliability.md#postgresql-fails',
  },
  DATA_DIR: {
    section: 'storage',
    kind: 'text',
    default: './data',
    doc: 'embedded database and generated secret; made owner-only (0700) at every start',
    see: 'production.md#the-embedded-database',
  },
  REDIS_URL: {
    section: 'storage',
    kind: 'url',
    protocols: ['redis:', 'rediss:'],
    doc: 'Redis shared by all instances; without it, an in-process cache and bus',
    see: 'scaling.md',
  },
  REDIS_KEY_PREFIX: {
    section: 'storage',
    kind: 'text',
    default: 'portcullis:',
    doc: 'prefix of every Redis key and channel',
  },
  REDIS_SENTINELS: {
    section: 'storage',
    kind: 'text',
    format: '`host:port,...`',
    doc: 'instead of `REDIS_URL`: Sentinel addresses; failovers are followed',
    see: 'scaling.md#redis',
  },
  REDIS_SENTINEL_NAME: {
    section: 'storage',
    kind: 'text',
    doc: "the master's name in Sentinel; required with `REDIS_SENTINELS`",
  },
  REDIS_PASSWORD: {
    section: 'storage',
    kind: 'text',
    doc: 'password of the Redis servers, with `REDIS_SENTINELS`',
  },
  REDIS_SENTINEL_PASSWORD: {
    section: 'storage',
    kind: 'text',
    doc: 'password of the sentinels, with `REDIS_SENTINELS`',
  },

  // Secret, bootstrap and configuration file
  PORTCULLIS_SECRET: {
    section: 'secrets',
    kind: 'text',
    defaultText: 'generated in `DATA_DIR`',
    format: '32+ characters',
    doc: 'keys the stored key hashes; required with `DATABASE_URL` or in production',
    see: 'production.md#the-server-secret',
  },
  PORTCULLIS_PREVIOUS_SECRET: {
    section: 'secrets',
    kind: 'text',
    format: '32+ characters',
    doc: 'while rotating: the old secret, so what was stored under it still works',
    see: 'secret-rotation.md',
  },
  PORTCULLIS_BOOTSTRAP_ADMIN: {
    section: 'secrets',
    kind: 'text',
    doc: 'with the next one: create this admin at start if no admin exists',
    see: 'production.md#the-first-admin',
  },
  PORTCULLIS_BOOTSTRAP_ADMIN_KEY: {
    section: 'secrets',
    kind: 'text',
    doc: "that admin's key (make one with `portcullis generate-key`)",
  },
  PORTCULLIS_CONFIG: {
    section: 'secrets',
    kind: 'text',
    format: 'path',
    doc: 'a configuration file that seeds an empty database at start',
    see: 'config-file.md#at-first-start',
  },

  // Built-in groups
  ADMIN_GROUP: {
    section: 'groups',
    kind: 'text',
    default: 'portcullis-admins',
    doc: 'members may use the admin API',
  },
  DECISION_CLIENTS_GROUP: {
    section: 'groups',
    kind: 'text',
    default: 'portcullis-decision-clients',
    doc: 'members (and admins) may call `POST /v1/decisions`',
  },
  INTROSPECTORS_GROUP: {
    section: 'groups',
    kind: 'text',
    default: 'portcullis-introspectors',
    doc: 'members (and admins) may call `/oauth2/introspect` with their key',
    see: 'introspection.md',
  },

  // Caches and memory
  LOCAL_CACHE_MAX_ENTRIES: {
    section: 'caches',
    kind: 'integer',
    default: 50_000,
    min: 0,
    max: 10_000_000,
    doc: 'in-process cache size (entries); `0` turns the tier off',
  },
  LOCAL_CACHE_TTL_SECONDS: {
    section: 'caches',
    kind: 'integer',
    default: 60,
    min: 1,
    max: 86_400,
    unit: 's',
    doc: 'in-process cache lifetime',
  },
  SHARED_CACHE_TTL_SECONDS: {
    section: 'caches',
    kind: 'integer',
    default: 300,
    min: 0,
    max: 86_400,
    unit: 's',
    doc: 'Redis cache lifetime; `0` turns the tier off',
  },
  NEGATIVE_CACHE_TTL_SECONDS: {
    section: 'caches',
    kind: 'integer',
    default: 30,
    min: 0,
    max: 3600,
    unit: 's',
    doc: 'how long an unknown key is remembered as unknown',
  },
  LAST_USED_FLUSH_SECONDS: {
    section: 'caches',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 3600,
    unit: 's',
    doc: "how often keys' `lastUsedAt` times are written",
  },
  HEAP_GROWING_PERCENT: {
    section: 'caches',
    kind: 'integer',
    default: 20,
    min: 0,
    max: 1000,
    unit: '%',
    doc: "how far V8's heap may grow past its live size before a full GC; `0`: V8's own",
    see: 'benchmarks.md',
  },

  // Logs
  LOG_LEVEL: {
    section: 'logs',
    kind: 'choice',
    values: LOG_LEVELS,
    default: 'info',
    doc: 'the least severe level logged',
  },
  LOG_FILE: {
    section: 'logs',
    kind: 'text',
    defaultText: '(stdout)',
    format: 'path',
    doc: 'write the JSON log here instead (created 0600)',
  },
  DECISION_LOG: {
    section: 'logs',
    kind: 'choice',
    values: DECISION_LOG_MODES,
    default: 'all',
    doc: 'which decisions get a log line',
    see: 'operations.md#logs',
  },

  // Identity providers
  OUTBOUND_ALLOWED_HOSTS: {
    section: 'providers',
    kind: 'text',
    format: 'hosts, CIDRs, `,`-separated',
    doc: 'provider URLs that may use plain http or internal addresses',
    see: 'providers.md',
  },
  OUTBOUND_TIMEOUT_MS: {
    section: 'providers',
    kind: 'integer',
    default: 2000,
    min: 50,
    max: 60_000,
    unit: 'ms',
    doc: 'time limit of every call to an identity provider',
  },
  JWKS_MAX_AGE_SECONDS: {
    section: 'providers',
    kind: 'integer',
    default: 600,
    min: 1,
    max: 86_400,
    unit: 's',
    doc: "a provider's signing keys are read again after this long",
  },
  JWKS_COOLDOWN_SECONDS: {
    section: 'providers',
    kind: 'integer',
    default: 30,
    min: 0,
    max: 3600,
    unit: 's',
    doc: 'an unknown `kid` reads them again at most this often',
  },
  CLOCK_SKEW_SECONDS: {
    section: 'providers',
    kind: 'integer',
    default: 60,
    min: 0,
    max: 300,
    unit: 's',
    doc: 'leeway for JWT `exp`, `nbf` and `iat`',
  },
  PROVIDER_BREAKER_FAILURES: {
    section: 'providers',
    kind: 'integer',
    default: 5,
    min: 0,
    max: 1000,
    doc: 'consecutive failures that leave a provider alone for a cooldown; `0`: never',
    see: 'reliability.md#identity-provider-slow-failing-or-unreachable',
  },
  PROVIDER_BREAKER_COOLDOWN_SECONDS: {
    section: 'providers',
    kind: 'integer',
    default: 30,
    min: 1,
    max: 3600,
    unit: 's',
    doc: 'how long a failing provider is left alone before one probe',
  },

  // Limits and quotas
  FAILED_ATTEMPTS_PER_IP: {
    section: 'limits',
    kind: 'integer',
    default: 20,
    min: 0,
    max: 1_000_000,
    doc: 'failed credentials per client address per window; `0`: no limit',
    see: 'keys.md#limits-and-quotas',
  },
  FAILED_ATTEMPTS_PER_KEY_ID: {
    section: 'limits',
    kind: 'integer',
    default: 20,
    min: 0,
    max: 1_000_000,
    doc: 'failed attempts per key id per window, from any address; `0`: no limit',
  },
  FAILED_ATTEMPTS_WINDOW_SECONDS: {
    section: 'limits',
    kind: 'integer',
    default: 60,
    min: 1,
    max: 86_400,
    unit: 's',
    doc: 'the failed-attempt window',
  },
  INTROSPECTION_RATE_LIMIT: {
    section: 'limits',
    kind: 'rate',
    default: '600 per minute',
    doc: 'introspections per caller per period (second, minute, hour, day)',
    see: 'introspection.md',
  },
  QUOTA_SYNC_MS: {
    section: 'limits',
    kind: 'integer',
    default: 200,
    min: 10,
    max: 10_000,
    unit: 'ms',
    doc: 'how often an instance reports what its quotas admitted to Redis',
  },
  QUOTA_SYNC_EVERY: {
    section: 'limits',
    kind: 'integer',
    default: 20,
    min: 1,
    max: 100_000,
    doc: '...or sooner, after this many; error bound: (instances - 1) x this',
  },

  // Web console
  CONSOLE_SESSION_MAX_AGE_SECONDS: {
    section: 'console',
    kind: 'integer',
    default: 28_800,
    min: 60,
    max: 2_592_000,
    unit: 's',
    doc: 'longest a web console session lasts',
    see: 'console.md#sessions',
  },
  CONSOLE_SESSION_IDLE_SECONDS: {
    section: 'console',
    kind: 'integer',
    default: 1800,
    min: 60,
    max: 2_592_000,
    unit: 's',
    doc: 'a web console session unused this long ends',
  },
  // E-mail
  SMTP_URL: {
    section: 'mail',
    kind: 'url',
    protocols: ['smtp:', 'smtps:'],
    doc: 'mail server for e-mailing keys to their owners; none: no e-mail',
    see: 'keys.md',
  },
  MAIL_FROM: {
    section: 'mail',
    kind: 'text',
    default: 'Portcullis <portcullis@localhost>',
    doc: 'sender of those e-mails',
  },

  // Shutdown
  SHUTDOWN_DRAIN_SECONDS: {
    section: 'lifecycle',
    kind: 'integer',
    default: 5,
    min: 0,
    max: 300,
    unit: 's',
    doc: 'on SIGTERM, how long `/readyz` fails while requests are still served',
    see: 'reliability.md#graceful-shutdown',
  },

  // The CLI
  PORTCULLIS_URL: {
    section: 'cli',
    cli: true,
    kind: 'url',
    protocols: ['http:', 'https:'],
    defaultText: '`http://127.0.0.1:8080`',
    doc: 'the Portcullis the CLI talks to; or `--url`',
    see: 'cli.md',
  },
  PORTCULLIS_KEY: {
    section: 'cli',
    cli: true,
    kind: 'text',
    doc: "an admin's key, for the CLI; or `--key` (which shows in `ps`)",
  },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV_VARIABLES;
type Variables = typeof ENV_VARIABLES;
export type IntegerName = {
  [N in EnvName]: Variables[N]['kind'] extends 'integer' ? N : never;
}[EnvName];
export type UrlName = { [N in EnvName]: Variables[N]['kind'] extends 'url' ? N : never }[EnvName];
/** Variables with a literal string default (text, choices, rates). */
export type DefaultedName = {
  [N in EnvName]: Variables[N] extends { default: string } ? N : never;
}[EnvName];
