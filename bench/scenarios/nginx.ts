// nginx for the end-to-end scenarios: the example config from deploy/nginx (auth_request to
// Portcullis), and the same upstream with no auth at all.
import { freePort } from '../harness.js';
import { runNginx } from '../../test/support/nginx.js';

export { nginxAvailable, startNginx } from '../../test/support/nginx.js';

/** nginx proxying straight to the upstream: what the API costs with no auth in front. */
export async function startPlainNginx(
  upstreamPort: number,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const nginx = await runNginx(
    port,
    () => `upstream api { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    # deploy/nginx/portcullis.conf's location / without its auth parts: the same upstream
    # headers, so that the ratio prices Portcullis and nothing else.
    location / {
      proxy_set_header Host              $host;
      proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-Id      $request_id;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://api;
    }
  }`,
  );
  return { url: `http://127.0.0.1:${nginx.port}/`, pid: nginx.pid, stop: () => nginx.stop() };
}
