import { chmodSync, statSync } from 'node:fs';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';

export type { Logger };

const FLUSH_MS = 250;

/**
 * The one structured (JSON) logger. No code passes it a credential; the test suite scans every
 * line it writes for keys and the server secret. (pino's wildcard redaction cost a tenth of the
 * decision path's CPU in profiles, so it is not used.) Lines go to LOG_FILE, else to `fd`:
 * standard output; the CLI passes standard error, keeping its own output clean for scripts.
 */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'logFile'>, fd = 1): Logger {
  // Lines are gathered and written 4 KB at a time (one write per line cost a quarter of the decision
  // path in profiles), and at least every FLUSH_MS; `flushLogger` drains them at exit.
  const destination = pino.destination({
    dest: config.logFile ?? fd,
    sync: false,
    mkdir: true,
    minLength: 4096,
    // The log names users, addresses and key ids: owner-only, like the data directory.
    mode: 0o600,
  });
  if (config.logFile !== undefined) ownerOnlyIfFile(config.logFile);
  setInterval(() => {
    destination.flush();
  }, FLUSH_MS).unref();
  return pino(
    {
      level: config.logLevel,
      base: { service: 'portcullis' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

const beforeFlush = new WeakMap<Logger, (() => void)[]>();

/** Runs `hook` (which writes out lines buffered elsewhere) whenever the logger is flushed. */
export function onLoggerFlush(logger: Logger, hook: () => void): void {
  beforeFlush.set(logger, [...(beforeFlush.get(logger) ?? []), hook]);
}

/** Writes out whatever the logger, and anything buffering lines for it, still holds. */
export async function flushLogger(logger: Logger): Promise<void> {
  for (const hook of beforeFlush.get(logger) ?? []) hook();
  // Twice: a flush asked for while a write is in flight completes with that write, leaving what
  // was buffered meanwhile for the next one.
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => logger.flush(() => resolve()));
}

/** Nest's start-up chatter (every module and route mapped) is detail, not news. */
const START_UP_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
]);

/** Routes NestJS's own messages into the structured logger. */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && START_UP_CONTEXTS.has(context)) {
      this.logger.debug({ context }, String(message));
    } else {
      this.logger.info({ context }, String(message));
    }
  }
  error(message: unknown, stack?: string, context?: string): void {
    this.logger.error({ context, stack }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

/** The DI token for the pino logger. */
export const LOGGER = Symbol('LOGGER');

/** A log file that existed before keeps its mode when opened: tighten it (never a device or pipe). */
function ownerOnlyIfFile(path: string): void {
  try {
    const stat = statSync(path);
    if (stat.isFile() && (stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o700);
  } catch {
    // Not there yet: sonic-boom creates it with the mode above.
  }
}
