import { ConfigError, loadConfig } from '../../src/config/app-config.js';

const SECRET = 's'.repeat(32);

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

describe(loadConfig.name, () => {
  it('has defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      redisUrl: undefined,
      redisSentinel: undefined,
      secret: undefined,
      adminGroup: 'portcullis-admins',
      logLevel: 'info',
      grpcPort: 9090,
      bootstrapAdmin: undefined,
      realm: 'portcullis',
      decisionLog: 'all',
      heapGrowingPercent: 20,
    });
    expect(config.cache).toEqual({
      localMaxEntries: 50_000,
      localTtlMs: 60_000,
      sharedTtlMs: 300_000,
      negativeTtlMs: 30_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '  ', HOST: '' })).toMatchObject({ port: 8080, host: '127.0.0.1' });
  });

  it('reads set variables', () => {
    const config = loadConfig({
      PORT: '3000',
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://cache:6379',
      ADMIN_GROUP: 'ops',
      GRPC_PORT: '9191',
      LOCAL_CACHE_MAX_ENTRIES: '10',
      LOCAL_CACHE_TTL_SECONDS: '5',
      SHARED_CACHE_TTL_SECONDS: '0',
      NEGATIVE_CACHE_TTL_SECONDS: '7',
      HEAP_GROWING_PERCENT: '0',
    });
    expect(config).toMatchObject({
      heapGrowingPercent: 0,
      port: 3000,
      host: '0.0.0.0',
      redisUrl: 'redis://cache:6379',
      adminGroup: 'ops',
      grpcPort: 9191,
    });
    expect(config.cache).toEqual({
      localMaxEntries: 10,
      localTtlMs: 5000,
      sharedTtlMs: 0,
      negativeTtlMs: 7000,
    });
  });

  it('finds Redis through Sentinel', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.7:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'portcullis',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.redisSentinel).toEqual({
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'portcullis',
      password: 'pw',
      sentinelPassword: undefined,
    });
  });

  it('refuses half or conflicting Sentinel settings', () => {
    expect(problemsOf({ REDIS_SENTINELS: 'a:1' })).toEqual([
      'REDIS_SENTINEL_NAME: required with REDIS_SENTINELS',
    ]);
    expect(problemsOf({ REDIS_SENTINEL_NAME: 'm' })).toEqual([
      'REDIS_SENTINEL_NAME: needs REDIS_SENTINELS',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: 'a, b:99999', REDIS_SENTINEL_NAME: 'm' })).toEqual([
      'REDIS_SENTINELS: "a" is not host:port',
      'REDIS_SENTINELS: "b:99999" is not host:port',
    ]);
    expect(
      problemsOf({ REDIS_URL: 'redis://x', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm' }),
    ).toEqual(['REDIS_URL and REDIS_SENTINELS: set one or the other']);
  });

  it('has failed-attempt, introspection and quota limits, and reads and checks them', () => {
    expect(loadConfig({}).limits).toEqual({
      failedAttemptsPerIp: 20,
      failedAttemptsPerKeyId: 20,
      failedAttemptsWindowMs: 60_000,
      introspectionRate: { requests: 600, periodSeconds: 60 },
      quotaSyncMs: 200,
      quotaSyncEvery: 20,
    });
    expect(
      loadConfig({
        FAILED_ATTEMPTS_PER_IP: '0',
        FAILED_ATTEMPTS_WINDOW_SECONDS: '300',
        INTROSPECTION_RATE_LIMIT: 'off',
        QUOTA_SYNC_EVERY: '50',
      }).limits,
    ).toMatchObject({
      failedAttemptsPerIp: 0,
      failedAttemptsWindowMs: 300_000,
      introspectionRate: undefined,
      quotaSyncEvery: 50,
    });
    expect(
      problemsOf({
        FAILED_ATTEMPTS_PER_IP: '-1',
        FAILED_ATTEMPTS_WINDOW_SECONDS: '0',
        INTROSPECTION_RATE_LIMIT: 'lots',
        QUOTA_SYNC_MS: '5',
      }),
    ).toEqual([
      expect.stringMatching(/^FAILED_ATTEMPTS_PER_IP: must be an integer/),
      expect.stringMatching(/^FAILED_ATTEMPTS_WINDOW_SECONDS: must be an integer/),
      expect.stringMatching(/^QUOTA_SYNC_MS: must be an integer/),
      expect.stringMatching(/^INTROSPECTION_RATE_LIMIT: must be "<n> per/),
    ]);
  });

  it('disables gRPC with GRPC_PORT=off', () => {
    expect(loadConfig({ GRPC_PORT: 'off' }).grpcPort).toBeUndefined();
  });

  it('names every bad variable in one ConfigError', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'not a url',
      PORTCULLIS_SECRET: SECRET,
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: .*"abc"/),
        expect.stringMatching(/^LOG_LEVEL: .*"loud"/),
        expect.stringMatching(/^DATABASE_URL: must start with postgres:\/\//),
        expect.stringMatching(/^REDIS_URL: is not a valid URL/),
      ]),
    );
  });

  it('lists the problems in the error message', () => {
    expect(() => loadConfig({ PORT: '70000', DECISION_LOG: 'some' })).toThrow(
      /PORT:[\s\S]*DECISION_LOG:/,
    );
  });

  it.each([
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['HOST', 'example.com'],
    ['LOCAL_CACHE_TTL_SECONDS', '0'],
    ['HEAP_GROWING_PERCENT', '-5'],
    ['GRPC_PORT', 'OFF'],
    ['PUBLIC_URL', 'ftp://example.com'],
  ])('refuses %s=%s', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}:`))]);
  });

  describe('PORTCULLIS_SECRET', () => {
    it('is required with DATABASE_URL', () => {
      expect(problemsOf({ DATABASE_URL: 'postgres://db/portcullis' })).toEqual([
        expect.stringMatching(/^PORTCULLIS_SECRET: required/),
      ]);
      expect(
        loadConfig({ DATABASE_URL: 'postgres://db/portcullis', PORTCULLIS_SECRET: SECRET }),
      ).toMatchObject({ databaseUrl: 'postgres://db/portcullis', secret: SECRET });
    });

    it('is required with NODE_ENV=production', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
        expect.stringMatching(/^PORTCULLIS_SECRET: required/),
      ]);
      expect(loadConfig({ NODE_ENV: 'production', PORTCULLIS_SECRET: SECRET }).secret).toBe(SECRET);
    });

    it('is optional otherwise', () => {
      expect(loadConfig({ NODE_ENV: 'development' }).secret).toBeUndefined();
    });

    it('refuses a secret shorter than 32 characters', () => {
      expect(problemsOf({ PORTCULLIS_SECRET: SECRET.slice(1) })).toEqual([
        expect.stringMatching(/^PORTCULLIS_SECRET: must be at least 32/),
      ]);
    });
  });

  describe('bootstrap admin', () => {
    it('must be set as a pair', () => {
      expect(problemsOf({ PORTCULLIS_BOOTSTRAP_ADMIN: 'root' })).toEqual([
        expect.stringContaining('set both or neither'),
      ]);
      expect(problemsOf({ PORTCULLIS_BOOTSTRAP_ADMIN_KEY: 'pcl_x' })).toEqual([
        expect.stringContaining('set both or neither'),
      ]);
    });

    it('is read when both are set', () => {
      expect(
        loadConfig({ PORTCULLIS_BOOTSTRAP_ADMIN: 'root', PORTCULLIS_BOOTSTRAP_ADMIN_KEY: 'pcl_x' })
          .bootstrapAdmin,
      ).toEqual({ username: 'root', key: 'pcl_x' });
    });
  });
});
