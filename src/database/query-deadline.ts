import type { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';

interface PooledClient {
  query: (...args: unknown[]) => unknown;
  connection?: { stream?: { destroy(): void } };
  [DEADLINE]?: true;
}

const DEADLINE = Symbol('query deadline');

/**
 * Gives every query on the PostgreSQL pool a deadline. A server that stops answering without
 * closing the connection (a partition, a frozen host) would otherwise hold the query, the pooled
 * connection and the request waiting on it until TCP gives up, many minutes later. Past the
 * deadline the connection is destroyed: the query fails (the decision is "unavailable", never an
 * allow), and the pool drops the connection and dials a new one for the next query.
 * Installed after the migrations, which may legitimately take longer.
 */
export function enforceQueryDeadline(dataSource: DataSource, timeoutMs: number): void {
  const pool = (dataSource.driver as unknown as { master?: EventEmitter }).master;
  pool?.on('acquire', (client: PooledClient) => {
    if (client[DEADLINE]) return;
    client[DEADLINE] = true;
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      const result = query(...args);
      if (!(result instanceof Promise)) return result;
      const timer = setTimeout(() => client.connection?.stream?.destroy(), timeoutMs);
      const clear = () => clearTimeout(timer);
      result.then(clear, clear);
      return result;
    };
  });
}
