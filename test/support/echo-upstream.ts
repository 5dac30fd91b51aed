import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface EchoedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The host name as a WHATWG URL parser reads the Host header (as many frameworks do). */
  hostname: string | null;
}

/** A stand-in for the protected API: answers 200 with the request it received, and counts them. */
export class EchoUpstream {
  readonly received: EchoedRequest[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const echoed = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        hostname: parsedHostname(req.headers.host),
      };
      this.received.push(echoed);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echoed));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function parsedHostname(host: string | undefined): string | null {
  try {
    return new URL('/', `http://${host}`).hostname;
  } catch {
    return null;
  }
}
