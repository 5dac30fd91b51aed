// The floor: the cheapest possible HTTP answer on this machine, a bare node:http server saying 200.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
createServer((_req, res) => {
  res.writeHead(200);
  res.end();
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
// Exit normally on SIGTERM, so that a profiler running in this process writes its profile.
process.on('SIGTERM', () => process.exit(0));
