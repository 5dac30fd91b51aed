import { connect } from 'node:net';
import { rememberErrorBody, rememberHeaders } from './secret-ledger.js';

export interface RawAnswer {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends a request exactly as given, byte for byte (no client library to tidy it up: bad header
 * bytes, several headers of a name, any length), with `Connection: close` and `Host: 127.0.0.1`
 * unless `headers` name a Host, from the loopback address `from` if given, and reads the answer.
 * Rejects when nothing complete comes back within timeoutMs: a hang is a failure too.
 */
export function rawExchange(
  port: number,
  method: string,
  path: string,
  headers: [string, string | Buffer][],
  body: Buffer | string = '',
  { timeoutMs = 5000, from }: { timeoutMs?: number; from?: string } = {},
): Promise<RawAnswer> {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  rememberHeaders(headers);
  const host = headers.some(([name]) => name.toLowerCase() === 'host') ? '' : 'Host: 127.0.0.1\r\n';
  const head = Buffer.concat([
    Buffer.from(`${method} ${path} HTTP/1.1\r\n${host}Connection: close\r\n`),
    ...headers.map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]),
    ),
    Buffer.from(payload.length > 0 ? `Content-Length: ${payload.length}\r\n\r\n` : '\r\n'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after the answer is fine; no answer is not
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/.exec(text);
      if (!match) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 80))}`));
      const end = text.indexOf('\r\n\r\n');
      const parsed: Record<string, string> = {};
      for (const line of text.slice(match[0].length, end).split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        parsed[name] = parsed[name] === undefined ? value : `${parsed[name]}, ${value}`;
      }
      let rest = text.slice(end + 4);
      if (parsed['transfer-encoding'] === 'chunked') rest = unchunk(rest);
      const status = Number(match[1]);
      if (status >= 400) rememberErrorBody(method, path, status, rest);
      resolve({ status, headers: parsed, body: rest });
    });
    socket.write(Buffer.concat([head, payload]));
  });
}

function unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0) return out;
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
