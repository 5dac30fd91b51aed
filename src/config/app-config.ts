import { isIP } from 'node:net';
import { parseRate, RATE_FORMAT, type Rate } from '../core/rate.js';
import {
  DECISION_LOG_MODES,
  ENV_VARIABLES,
  LOG_LEVELS,
  type DefaultedName,
  type EnvName,
  type IntegerName,
  type UrlName,
} from './env-variables.js';

export { DECISION_LOG_MODES, LOG_LEVELS };

/** The validated configuration every part of Portcullis reads; built once at boot from the environment. */
export class AppConfig {
  readonly nodeEnv: string;
  readonly host: string;
  readonly port: number;
  /** PostgreSQL connection string; undefined means the embedded database under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /**
   * Longest a PostgreSQL query may go unanswered before its connection is dropped; also the
   * longest wait for a connection.
   */
  readonly databaseQueryTimeoutMs: number;
  readonly dataDir: string;
  /** Redis connection string; undefined (and no sentinels) means the in-process store and bus. */
  readonly redisUrl: string | undefined;
  /** Redis found through Sentinel instead of a fixed address (exclusive with redisUrl). */
  readonly redisSentinel: RedisSentinelConfig | undefined;
  readonly redisKeyPrefix: string;
  /** Server secret (pepper for key hashes); undefined means "generate and persist under dataDir". */
  readonly secret: string | undefined;
  /** The secret being rotated away from: keys stored under it still work and are re-hashed on use. */
  readonly previousSecret: string | undefined;
  readonly adminGroup: string;
  readonly logLevel: LogLevel;
  readonly logFile: string | undefined;
  readonly bootstrapAdmin: { username: string; key: string } | undefined;
  /** A declarative configuration file that seeds an empty database at start (PORTCULLIS_CONFIG). */
  readonly configFile: string | undefined;
  /** Members may call the JSON decision API (admins may too). */
  readonly decisionClientsGroup: string;
  /** Members may call RFC 7662 introspection with their own key (admins may too). */
  readonly introspectorsGroup: string;
  /** Port of the Envoy ext_authz gRPC server; undefined when disabled. */
  readonly grpcPort: number | undefined;
  /** Public base URL of this service: the `iss` of introspection answers. */
  readonly publicUrl: string | undefined;
  /** The realm named in WWW-Authenticate challenges. */
  readonly realm: string;
  readonly cache: CacheConfig;
  /** How far V8's old generation may grow past its live size before a full collection (%); 0: V8's own. */
  readonly heapGrowingPercent: number;
  readonly lastUsedFlushMs: number;
  /** Which decisions are logged: all, denials only, or none. */
  readonly decisionLog: DecisionLogMode;
  /** SMTP server for e-mailing keys to their owners (smtp:// or smtps://); undefined: no e-mail. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** Hosts (names, addresses, CIDR ranges) that provider URLs may reach over http or internally. */
  readonly outboundAllowedHosts: string[];
  /** Time limit of every call to an identity provider. */
  readonly outboundTimeoutMs: number;
  /** Providers' signing keys: read again after maxAge; on an unknown kid at most once per cooldown. */
  readonly jwks: { maxAgeMs: number; cooldownMs: number };
  /** Leeway for JWT time claims (exp, nbf, iat). */
  readonly clockSkewMs: number;
  /** Per-provider circuit breaker: consecutive failures that open it (0: never), and its cooldown. */
  readonly providerBreaker: { failureThreshold: number; cooldownMs: number };
  /** On SIGTERM, how long readiness fails while requests are still served, before stopping. */
  readonly shutdownDrainMs: number;
  /** Web console sessions: the longest a session lasts, and how long it survives unused. */
  readonly consoleSession: { maxAgeMs: number; idleMs: number };
  /** Failed-attempt limits, introspection throttling and how quotas are shared. */
  readonly limits: LimitsConfig;

  constructor(values: AppConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}

export interface CacheConfig {
  /** In-process tier: entries kept (0 disables the tier) and their time to live. */
  localMaxEntries: number;
  localTtlMs: number;
  /** Shared (Redis) tier time to live; 0 disables the tier. */
  sharedTtlMs: number;
  /** How long "no such credential" is remembered, so floods of bad keys stay off the database. */
  negativeTtlMs: number;
}

export interface LimitsConfig {
  /** Failed credential attempts allowed per client address per window; 0: no limit. */
  failedAttemptsPerIp: number;
  /** Failed attempts allowed per presented key id per window; 0: no limit. */
  failedAttemptsPerKeyId: number;
  failedAttemptsWindowMs: number;
  /** Requests each introspection caller may make; undefined: no limit. */
  introspectionRate: Rate | undefined;
  /** How often each instance reports the requests its quotas admitted (and learns the rest's). */
  quotaSyncMs: number;
  /** ...or sooner, once a quota has admitted this many requests since its last report. */
  quotaSyncEvery: number;
}

export interface RedisSentinelConfig {
  sentinels: { host: string; port: number }[];
  /** The monitored master's name (`sentinel monitor <name> ...`). */
  name: string;
  /** AUTH password of the master and replicas, and of the sentinels themselves. */
  password: string | undefined;
  sentinelPassword: string | undefined;
}

export type DecisionLogMode = (typeof DECISION_LOG_MODES)[number];

export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_LENGTH = 32;

/**
 * Reads and validates the environment. Collects every problem before failing, so one start names
 * every bad variable at once. Defaults, bounds and allowed values come from ENV_VARIABLES
 * (env-variables.ts), which docs/configuration.md is generated from.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const read = (name: EnvName): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  /** The variable, or its default from the schema. */
  const text = (name: DefaultedName): string => read(name) ?? ENV_VARIABLES[name].default;

  const integer = (name: IntegerName): number => {
    const { default: fallback, min, max } = ENV_VARIABLES[name];
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const url = (name: UrlName): string | undefined => {
    const protocols: readonly string[] = ENV_VARIABLES[name].protocols;
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name}: must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      }
    } catch {
      problems.push(`${name}: is not a valid URL`);
    }
    return raw;
  };

  const nodeEnv = text('NODE_ENV');
  const host = text('HOST');
  if (isIP(host) === 0 && host !== 'localhost') {
    problems.push(`HOST: must be an IP address to listen on (for example 0.0.0.0), got "${host}"`);
  }
  const port = integer('PORT');
  const databaseUrl = url('DATABASE_URL');
  const databasePoolSize = integer('DATABASE_POOL_SIZE');
  const databaseQueryTimeoutMs = integer('DATABASE_QUERY_TIMEOUT_MS');
  const redisUrl = url('REDIS_URL');
  const redisKeyPrefix = text('REDIS_KEY_PREFIX');
  const redisSentinel = sentinelConfig(read, problems);
  if (redisSentinel !== undefined && redisUrl !== undefined) {
    problems.push('REDIS_URL and REDIS_SENTINELS: set one or the other');
  }

  const secret = read('PORTCULLIS_SECRET');
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `PORTCULLIS_SECRET: must be at least ${MIN_SECRET_LENGTH} characters (try: openssl rand -base64 48)`,
    );
  }
  const previousSecret = read('PORTCULLIS_PREVIOUS_SECRET');
  if (previousSecret !== undefined && previousSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`PORTCULLIS_PREVIOUS_SECRET: must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (previousSecret !== undefined && previousSecret === secret) {
    problems.push('PORTCULLIS_PREVIOUS_SECRET: must differ from PORTCULLIS_SECRET');
  }
  if (secret === undefined && (databaseUrl !== undefined || nodeEnv === 'production')) {
    problems.push(
      'PORTCULLIS_SECRET: required with DATABASE_URL or NODE_ENV=production, so that every instance ' +
        'hashes keys alike (try: openssl rand -base64 48)',
    );
  }

  const adminGroup = text('ADMIN_GROUP');
  const logLevel = text('LOG_LEVEL') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const bootstrapUsername = read('PORTCULLIS_BOOTSTRAP_ADMIN');
  const bootstrapKey = read('PORTCULLIS_BOOTSTRAP_ADMIN_KEY');
  if ((bootstrapUsername === undefined) !== (bootstrapKey === undefined)) {
    problems.push(
      'PORTCULLIS_BOOTSTRAP_ADMIN and PORTCULLIS_BOOTSTRAP_ADMIN_KEY: set both or neither',
    );
  }

  const configFile = read('PORTCULLIS_CONFIG');
  if (configFile !== undefined && bootstrapUsername === undefined) {
    problems.push(
      'PORTCULLIS_CONFIG: needs PORTCULLIS_BOOTSTRAP_ADMIN and PORTCULLIS_BOOTSTRAP_ADMIN_KEY ' +
        '(the file is applied through the admin API, as that admin)',
    );
  }

  const grpcPortRaw = read('GRPC_PORT');
  const grpcPort = grpcPortRaw === 'off' ? undefined : integer('GRPC_PORT');
  const publicUrl = url('PUBLIC_URL');
  const decisionLog = text('DECISION_LOG') as DecisionLogMode;
  if (!DECISION_LOG_MODES.includes(decisionLog)) {
    problems.push(
      `DECISION_LOG: must be one of ${DECISION_LOG_MODES.join(', ')}, got "${decisionLog}"`,
    );
  }
  const cache: CacheConfig = {
    localMaxEntries: integer('LOCAL_CACHE_MAX_ENTRIES'),
    localTtlMs: integer('LOCAL_CACHE_TTL_SECONDS') * 1000,
    sharedTtlMs: integer('SHARED_CACHE_TTL_SECONDS') * 1000,
    negativeTtlMs: integer('NEGATIVE_CACHE_TTL_SECONDS') * 1000,
  };
  const smtpUrl = url('SMTP_URL');
  const lastUsedFlushMs = integer('LAST_USED_FLUSH_SECONDS') * 1000;
  const heapGrowingPercent = integer('HEAP_GROWING_PERCENT');

  const outboundAllowedHosts = (read('OUTBOUND_ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '');
  for (const host of outboundAllowedHosts) {
    if (!/^[A-Za-z0-9.:[\]/-]+$/.test(host)) {
      problems.push(`OUTBOUND_ALLOWED_HOSTS: "${host}" is not a host name, address or CIDR range`);
    }
  }
  const outboundTimeoutMs = integer('OUTBOUND_TIMEOUT_MS');
  const jwks = {
    maxAgeMs: integer('JWKS_MAX_AGE_SECONDS') * 1000,
    cooldownMs: integer('JWKS_COOLDOWN_SECONDS') * 1000,
  };
  const clockSkewMs = integer('CLOCK_SKEW_SECONDS') * 1000;
  const providerBreaker = {
    failureThreshold: integer('PROVIDER_BREAKER_FAILURES'),
    cooldownMs: integer('PROVIDER_BREAKER_COOLDOWN_SECONDS') * 1000,
  };
  const shutdownDrainMs = integer('SHUTDOWN_DRAIN_SECONDS') * 1000;
  const consoleSession = {
    maxAgeMs: integer('CONSOLE_SESSION_MAX_AGE_SECONDS') * 1000,
    idleMs: integer('CONSOLE_SESSION_IDLE_SECONDS') * 1000,
  };

  const limits: LimitsConfig = {
    failedAttemptsPerIp: integer('FAILED_ATTEMPTS_PER_IP'),
    failedAttemptsPerKeyId: integer('FAILED_ATTEMPTS_PER_KEY_ID'),
    failedAttemptsWindowMs: integer('FAILED_ATTEMPTS_WINDOW_SECONDS') * 1000,
    introspectionRate: undefined,
    quotaSyncMs: integer('QUOTA_SYNC_MS'),
    quotaSyncEvery: integer('QUOTA_SYNC_EVERY'),
  };
  const introspectionRate = text('INTROSPECTION_RATE_LIMIT');
  if (introspectionRate.toLowerCase() !== 'off') {
    limits.introspectionRate = parseRate(introspectionRate);
    if (limits.introspectionRate === undefined) {
      problems.push(
        `INTROSPECTION_RATE_LIMIT: must be ${RATE_FORMAT}, or "off"; got "${introspectionRate}"`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return new AppConfig({
    nodeEnv,
    host,
    port,
    databaseUrl,
    databasePoolSize,
    databaseQueryTimeoutMs,
    dataDir: text('DATA_DIR'),
    redisUrl,
    redisSentinel,
    redisKeyPrefix,
    secret,
    previousSecret,
    adminGroup,
    logLevel,
    logFile: read('LOG_FILE'),
    bootstrapAdmin:
      bootstrapUsername !== undefined && bootstrapKey !== undefined
        ? { username: bootstrapUsername, key: bootstrapKey }
        : undefined,
    configFile,
    decisionClientsGroup: text('DECISION_CLIENTS_GROUP'),
    introspectorsGroup: text('INTROSPECTORS_GROUP'),
    grpcPort,
    publicUrl,
    realm: text('AUTH_REALM'),
    cache,
    heapGrowingPercent,
    lastUsedFlushMs,
    decisionLog,
    smtpUrl,
    mailFrom: text('MAIL_FROM'),
    outboundAllowedHosts,
    outboundTimeoutMs,
    jwks,
    clockSkewMs,
    providerBreaker,
    shutdownDrainMs,
    consoleSession,
    limits,
  });
}

/** REDIS_SENTINELS (`host:port,host:port`) with REDIS_SENTINEL_NAME, or undefined when unset. */
function sentinelConfig(
  read: (name: EnvName) => string | undefined,
  problems: string[],
): RedisSentinelConfig | undefined {
  const list = read('REDIS_SENTINELS');
  const name = read('REDIS_SENTINEL_NAME');
  if (list === undefined) {
    if (name !== undefined) problems.push('REDIS_SENTINEL_NAME: needs REDIS_SENTINELS');
    return undefined;
  }
  const sentinels: RedisSentinelConfig['sentinels'] = [];
  for (const entry of list.split(',').map((item) => item.trim())) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65535) {
      problems.push(`REDIS_SENTINELS: "${entry}" is not host:port`);
      continue;
    }
    sentinels.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  if (name === undefined) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS');
  return {
    sentinels,
    name: name ?? '',
    password: read('REDIS_PASSWORD'),
    sentinelPassword: read('REDIS_SENTINEL_PASSWORD'),
  };
}
