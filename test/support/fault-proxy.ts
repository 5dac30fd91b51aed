import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How a cut looks to the service: `refuse` resets live connections and new ones (a stopped
 * server); `stall` keeps every connection open but forwards nothing either way, and accepts new
 * ones without ever answering (a network partition, or a frozen server).
 */
export type CutMode = 'refuse' | 'stall';

/**
 * A TCP proxy on a loopback port in front of a real server (PostgreSQL here), that a test can
 * `cut()` and `restore()` without touching the server, which other tests share.
 */
export class FaultProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  private mode: CutMode | undefined;
  /** Connections accepted since start, and those accepted while cut. */
  accepted = 0;
  acceptedWhileCut = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const started: { proxy?: FaultProxy } = {};
    const server = createServer({ noDelay: true }, (socket) => started.proxy!.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    started.proxy = new FaultProxy(server, target, (server.address() as { port: number }).port);
    return started.proxy;
  }

  get isCut(): boolean {
    return this.mode !== undefined;
  }

  cut(mode: CutMode = 'refuse'): void {
    this.mode = mode;
    for (const pair of this.pairs) {
      if (mode === 'refuse') {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
      } else {
        // Nothing passes any more; the connections stay open as if the network had gone silent.
        pair.client.pause();
        pair.upstream?.pause();
        pair.client.unpipe();
        pair.upstream?.unpipe();
      }
    }
    if (mode === 'refuse') this.pairs.clear();
  }

  /** New connections are forwarded again; connections stalled by a cut are reset. */
  restore(): void {
    this.mode = undefined;
    for (const pair of this.pairs) {
      pair.client.resetAndDestroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.restore();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      this.acceptedWhileCut++;
      client.resetAndDestroy();
      return;
    }
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    this.pairs.add(pair);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === 'stall') {
      this.acceptedWhileCut++;
      client.pause();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
