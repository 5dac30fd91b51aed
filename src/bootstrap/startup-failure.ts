import { GrpcPortUnavailableError } from '../adapters/envoy-grpc/envoy-grpc.server.js';
import type { AppConfig } from '../config/app-config.js';
import { DataDirLockedError, DataDirUnusableError } from '../database/data-dir-lock.js';

/**
 * The service's exit codes when it cannot start, documented in docs/troubleshooting.md. Each
 * names what to change; they stay clear of Node's own codes (1 for an uncaught error aside, up
 * to 13) and of the CLI's (0-5).
 */
export const STARTUP_EXIT = {
  /** The environment is invalid (every bad variable is named). */
  config: 1,
  /** PORT (or HOST) cannot be listened on: in use, not permitted, or not an address here. */
  httpPort: 20,
  /** GRPC_PORT cannot be bound. */
  grpcPort: 21,
  /** DATA_DIR is held by another live Portcullis process. */
  dataDirLocked: 22,
  /** DATA_DIR cannot be created, read or written, or holds what PGlite cannot open. */
  dataDirUnusable: 23,
} as const;

/** A start-up failure we foresaw: one line saying what to change, and its exit code. */
export interface StartupFailure {
  message: string;
  exitCode: number;
}

/** Why Node refused to listen, by the error's code (not its wording). */
const LISTEN_FAILURES: Record<string, (address: string) => string> = {
  EADDRINUSE: (address) =>
    `Cannot listen on ${address}: another process uses that port. Set PORT to a free port, or stop the other process.`,
  EACCES: (address) =>
    `Cannot listen on ${address}: not permitted (ports below 1024 need privileges). Set PORT to a port above 1023.`,
  EADDRNOTAVAIL: (address) =>
    `Cannot listen on ${address}: HOST is not an address of this machine. Set HOST to one of its addresses, or 0.0.0.0.`,
};

/** The failure, if it is one we foresaw; otherwise undefined (and the error is thrown as it is). */
export function startupFailure(
  error: unknown,
  config: Pick<AppConfig, 'host' | 'port'>,
): StartupFailure | undefined {
  if (error instanceof DataDirLockedError) {
    return { message: error.message, exitCode: STARTUP_EXIT.dataDirLocked };
  }
  if (error instanceof DataDirUnusableError) {
    return { message: error.message, exitCode: STARTUP_EXIT.dataDirUnusable };
  }
  if (error instanceof GrpcPortUnavailableError) {
    return { message: error.message, exitCode: STARTUP_EXIT.grpcPort };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const describe = code === undefined ? undefined : LISTEN_FAILURES[code];
  if (describe !== undefined && (error as NodeJS.ErrnoException).syscall === 'listen') {
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return { message: describe(`${host}:${config.port}`), exitCode: STARTUP_EXIT.httpPort };
  }
  return undefined;
}
