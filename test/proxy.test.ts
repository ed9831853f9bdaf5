import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshConfig, runCli, BIN } from './helpers/cli.js';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

// A certificate for localhost and 127.0.0.1, made for this run (openssl), trusted by the bin through NODE_EXTRA_CA_CERTS.
let cert: string;
let key: string;
let certFile: string;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'cim-proxy-tls-'));
  certFile = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', certFile, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
  cert = readFileSync(certFile, 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
});

/** A loopback proxy: CONNECT tunnels (recording what passes through them) and plain forward requests (answered 502). */
interface Proxy {
  readonly url: string;
  readonly connects: { target: string; headers: Record<string, string | string[] | undefined> }[];
  readonly forwarded: string[];
  /** Every byte the client sent through the tunnels. */
  tunnelled(): string;
}

const closers: (() => void)[] = [];
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  closers.splice(0).forEach((close) => close());
});

async function listen(server: HttpServer | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

async function startProxy(): Promise<Proxy> {
  const connects: Proxy['connects'] = [];
  const forwarded: string[] = [];
  const chunks: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createHttpServer((req, res) => {
    forwarded.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    connects.push({ target: req.url ?? '', headers: req.headers });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host === 'localhost' ? '127.0.0.1' : (host ?? ''), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      chunks.push(head);
      upstream.write(head);
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.pipe(upstream).pipe(socket);
    });
    sockets.push(socket, upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const port = await listen(server);
  closers.push(() => sockets.forEach((s) => s.destroy()));
  return { url: `http://127.0.0.1:${port}`, connects, forwarded, tunnelled: () => Buffer.concat(chunks).toString('latin1') };
}

/** Clerk over https on 127.0.0.1, answering whoami's and the list tool's requests; records each request's path and token. */
async function httpsClerk(): Promise<{ url: string; seen: { path: string; authorization: string | undefined }[] }> {
  const seen: { path: string; authorization: string | undefined }[] = [];
  const server = createHttpsServer({ cert, key }, (req, res) => {
    seen.push({ path: (req.url ?? '').split('?')[0] ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(envelope(answerFor(req.url ?? ''))));
  });
  // Clerk's hosts are names: through a tunnel, TLS checks the certificate against the name.
  return { url: `https://localhost:${await listen(server)}`, seen };
}

function answerFor(url: string): unknown {
  if (url.startsWith('/v1/client?')) {
    const user = { id: 'user_1', primary_email_address_id: 'idn_1', email_addresses: [{ id: 'idn_1', email_address: 'admin@example.com' }] };
    return { sessions: [{ id: 'sess_1', status: 'active', user }], last_active_session_id: 'sess_1' };
  }
  if (url.startsWith('/v1/me/organization_memberships?')) return { data: [], total_count: 0 };
  return { data: [invitation()], total_count: 1 };
}

const whoami = (url: string, env: Record<string, string>) =>
  runCli(['whoami', '--frontend-api-url', url], { ...freshConfig().env, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, NODE_EXTRA_CA_CERTS: certFile, ...env });

describe('proxy variables', () => {
  it('HTTPS_PROXY: the server reaches Clerk through a CONNECT tunnel, and the proxy never sees the token', async () => {
    const [proxy, clerk] = [await startProxy(), await httpsClerk()];
    const env = { ...freshConfig().env, CLERK_FRONTEND_API_URL: clerk.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, NODE_EXTRA_CA_CERTS: certFile, HTTPS_PROXY: proxy.url };
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env, stderr: 'pipe' });
    transport.stderr?.on('data', () => undefined);
    client = new Client({ name: 'proxy', version: '1' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_1' } });
    expect(result.isError).toBeFalsy();
    expect(clerk.seen).toEqual([{ path: '/v1/organizations/org_1/invitations', authorization: `Bearer ${CLIENT_TOKEN}` }]);
    const port = new URL(clerk.url).port;
    expect(proxy.connects.map((c) => c.target)).toEqual([`localhost:${port}`]);
    expect(JSON.stringify(proxy.connects)).not.toContain(CLIENT_TOKEN);
    expect(proxy.tunnelled().length).toBeGreaterThan(0);
    expect(proxy.tunnelled()).not.toContain(CLIENT_TOKEN);
    expect(proxy.forwarded).toEqual([]);
  });

  it('https_proxy and ALL_PROXY are honoured too', async () => {
    for (const name of ['https_proxy', 'ALL_PROXY']) {
      const [proxy, clerk] = [await startProxy(), await httpsClerk()];
      const run = await whoami(clerk.url, { [name]: proxy.url });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(clerk.seen.length).toBeGreaterThan(0);
    }
  });

  it('NO_PROXY=127.0.0.1 bypasses the proxy', async () => {
    const [proxy, clerk] = [await startProxy(), await httpsClerk()];
    const run = await whoami(clerk.url.replace('localhost', '127.0.0.1'), { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(run.code).toBe(0);
    expect(clerk.seen.map((s) => s.path)).toEqual(['/v1/client', '/v1/me/organization_memberships']);
    expect(proxy.connects).toEqual([]);
  });

  it('HTTP_PROXY is not used for plain http (loopback only), which would show the token to the proxy', async () => {
    const proxy = await startProxy();
    const fake: FakeClerk = await startFakeClerk((r) => ({ json: envelope(answerFor(`${r.path}?`)) }));
    closers.push(() => void fake.close());
    const run = await whoami(fake.url, { HTTP_PROXY: proxy.url, http_proxy: proxy.url, ALL_PROXY: proxy.url });
    expect(run.code).toBe(0);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${CLIENT_TOKEN}`, `Bearer ${CLIENT_TOKEN}`]);
    expect(proxy.forwarded).toEqual([]);
    expect(proxy.connects).toEqual([]);
  });

  it('a proxy value that is not an http(s) URL stops the server and commands at start, naming the variable and not echoing the password', async () => {
    const clerk = await httpsClerk();
    const refusal = 'must be the proxy\'s URL, starting with http:// or https:// (e.g. http://proxy.example:3128); unset it to connect directly\n';
    for (const [name, value] of [['HTTPS_PROXY', 'socks5://user:hunter2@127.0.0.1:1080'], ['all_proxy', '127.0.0.1:3128']] as const) {
      const command = await whoami(clerk.url, { [name]: value });
      const server = await runCli([], { ...freshConfig().env, CLERK_FRONTEND_API_URL: clerk.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, [name]: value });
      for (const run of [command, server]) {
        expect(run.code).toBe(1);
        expect(run.stderr).toBe(`clerk-invitations-mcp: ${name} ${refusal}`);
        expect(run.stdout).toBe('');
      }
    }
    expect(clerk.seen).toEqual([]);
  });
});
