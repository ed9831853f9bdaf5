import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SHIPPED_CONFIG, mainConfig, renderSite, startNginx, testConfig, type RunningNginx } from './nginx.js';

// The shipped nginx configuration (deploy/nginx/clerk-invitations-mcp.conf), run by Debian's nginx
// in front of two loopback upstreams that record what reaches them. The replicas' own behaviour
// behind it is test/scale/scale.test.ts.

const shipped = readFileSync(SHIPPED_CONFIG, 'utf8');

interface Upstream {
  readonly address: string;
  readonly received: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}

const running: (Upstream | RunningNginx)[] = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await ('child' in thing ? thing.stop() : thing.close());
});

/** A loopback upstream: `answer` decides; every request that reached it is recorded first. */
async function upstream(answer: 'ok' | 'die after reading'): Promise<Upstream> {
  const received: Upstream['received'] = [];
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.once('end', () => {
      // A replica killed after the request reached it: the connection drops with no answer.
      if (answer === 'die after reading') return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const up = {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  running.push(up);
  return up;
}

const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });

describe('deploy/nginx/clerk-invitations-mcp.conf under Debian nginx', () => {
  it('is rendered for a test by changing only the lines it marks ADJUST, and nginx -t accepts it', async () => {
    const site = renderSite(shipped, { listen: '127.0.0.1:1', serverName: '127.0.0.1', replicas: ['127.0.0.1:2', '127.0.0.1:3'], accessLog: '/tmp/x.log' });
    const changed = (a: string, b: string) => a.split('\n').filter((line) => !b.split('\n').includes(line));
    expect(changed(site, shipped).map((line) => line.trim())).toEqual(['server 127.0.0.1:2 max_fails=1 fail_timeout=10s;', 'server 127.0.0.1:3 max_fails=1 fail_timeout=10s;', 'listen 127.0.0.1:1;', 'server_name 127.0.0.1;', 'access_log /tmp/x.log clerk_invitations_mcp;']);
    expect(changed(shipped, site).map((line) => line.trim())).toEqual([
      'server 127.0.0.1:8701 max_fails=1 fail_timeout=10s;',
      'server 127.0.0.1:8702 max_fails=1 fail_timeout=10s;',
      'server 127.0.0.1:8703 max_fails=1 fail_timeout=10s;',
      'listen 80;',
      'server_name mcp.example.com;',
      'access_log /var/log/nginx/clerk-invitations-mcp.access.log clerk_invitations_mcp;',
    ]);
    const prefix = mkdtempSync(join(tmpdir(), 'cim-nginx-t-'));
    writeFileSync(join(prefix, 'site.conf'), site);
    writeFileSync(join(prefix, 'nginx.conf'), mainConfig(prefix, join(prefix, 'site.conf')));
    expect(await testConfig(join(prefix, 'nginx.conf'), prefix)).toContain('syntax is ok');
  });

  it('balances over the replicas, passing Host and the X-Forwarded headers the server builds its public URL from', async () => {
    const [a, b] = [await upstream('ok'), await upstream('ok')];
    const nginx = await startNginx([a.address, b.address]);
    running.push(nginx);
    for (let i = 0; i < 6; i++) expect((await post(nginx.url, { authorization: 'Bearer secret-token' })).status).toBe(200);
    expect(a.received).toHaveLength(3);
    expect(b.received).toHaveLength(3);
    const { headers } = a.received[0]!;
    expect(headers).toMatchObject({ host: '127.0.0.1', 'x-forwarded-host': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-port': nginx.url.split(':')[2], authorization: 'Bearer secret-token' });
    // The token never reaches nginx's log.
    expect(readFileSync(nginx.accessLog, 'utf8')).not.toContain('secret-token');
    expect(new Set(nginx.accessLines().map((line) => line.upstreams[0]))).toEqual(new Set([a.address, b.address]));
  });

  it('never passes a POST that reached a replica on to another one (a create must not run twice), but does when the connection failed', async () => {
    const dying = await upstream('die after reading');
    const healthy = await upstream('ok');
    const nginx = await startNginx([dying.address, healthy.address]);
    running.push(nginx);
    const statuses: number[] = [];
    // Round robin sends one of the first two to the dying replica; max_fails=1 then takes it out.
    for (let i = 0; i < 4; i++) statuses.push((await post(nginx.url)).status);
    expect(dying.received).toHaveLength(1);
    // The request the dying replica read is answered 502 and was NOT sent again to the healthy one:
    // every request reached exactly one replica.
    expect(statuses.filter((s) => s === 502)).toHaveLength(1);
    expect(healthy.received).toHaveLength(3);
    expect(nginx.accessLines().find((line) => line.status === 502)?.upstreams).toEqual([dying.address]);

    // A replica that is gone (connection refused): nothing was sent, so nginx passes the POST on.
    const gone = await upstream('ok');
    await gone.close();
    const other = await upstream('ok');
    const nginx2 = await startNginx([gone.address, other.address]);
    running.push(nginx2);
    for (let i = 0; i < 4; i++) expect((await post(nginx2.url)).status).toBe(200);
    expect(other.received).toHaveLength(4);
    expect(nginx2.accessLines().some((line) => line.upstreams.length === 2 && line.upstreams[0] === gone.address)).toBe(true);
  });

  it('refuses a body over the server limit (1 MiB) itself, without passing it on', async () => {
    const a = await upstream('ok');
    const nginx = await startNginx([a.address]);
    running.push(nginx);
    const big = await fetch(`${nginx.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `"${'x'.repeat(1024 * 1024)}"` });
    expect(big.status).toBe(413);
    expect(a.received).toHaveLength(0);
  });
});
