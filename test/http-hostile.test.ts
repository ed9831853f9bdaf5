import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';
import { killHttpBins, rawRequest, startHttpBin, type HttpBin, type RawAnswer } from './helpers/http-bin.js';
import { leakedSecrets } from './helpers/secrets.js';

// Local mode of the built bin (`serve --http`) against a fake Clerk, sent requests it must refuse:
// each gets its status, nothing reaches Clerk, and the server answers the next good request.
const SECRET = 'hostile-test-secret-0123456789-abcdefghij';
const AUTH = { authorization: `Bearer ${SECRET}` };
const JSON_POST = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
// A create, as a 2025-era client sends it (no envelope): what would reach Clerk if it ran.
const CREATE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'createOrganizationInvitations', arguments: { organization_id: 'org_1', email_address: 'x@example.com', role: 'org:member' } } });
const TIMEOUT_MS = 1_000;

let fake: FakeClerk;
let bin: HttpBin;
const answers: RawAnswer[] = [];

beforeAll(async () => {
  fake = await startFakeClerk(() => ({ json: envelope(invitation()) }));
  bin = await startHttpBin([], { CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_MCP_HTTP_TOKEN: SECRET, CLERK_MCP_HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
});
afterAll(async () => {
  killHttpBins();
  await fake.close();
});

// After each refusal: nothing reached Clerk, and a good call still works (and reaches it once).
afterEach(async () => {
  const reached = fake.requests.splice(0);
  expect(reached).toHaveLength(0);
  const client = new Client({ name: 'hostile', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { requestInit: { headers: AUTH } }));
  const result = (await client.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_1', email_address: 'ok@example.com', role: 'org:member' } })) as CallToolResult;
  await client.close();
  expect(result.isError).toBeFalsy();
  expect(fake.requests).toHaveLength(1);
  fake.requests.length = 0;
});

const send = async (...args: Parameters<typeof rawRequest>): Promise<RawAnswer> => {
  const answer = await rawRequest(...args);
  answers.push(answer);
  return answer;
};

describe('serve --http refuses, and runs nothing', () => {
  it('a request without the bearer secret, or with a wrong one: 401 with a Bearer challenge', async () => {
    for (const authorization of [undefined, `Bearer ${SECRET}x`, `Bearer ${SECRET.slice(0, -1)}`, 'Bearer ', `Basic ${SECRET}`, SECRET]) {
      const answer = await send(bin.url, { headers: { ...JSON_POST, ...(authorization !== undefined && { authorization }) }, body: CREATE });
      expect(answer.status, authorization).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('a body over the limit (1 MiB): 413, whether its length is declared or not', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'createOrganizationInvitations', arguments: { organization_id: 'org_1', email_address: 'x@example.com', role: 'org:member', pad: 'x'.repeat(1024 * 1024) } } });
    expect((await send(bin.url, { headers: { ...JSON_POST, ...AUTH }, body: big })).status).toBe(413);
    // Chunked: no Content-Length to refuse it by, so it is counted as it comes.
    const chunked = await send(bin.url, { headers: { ...JSON_POST, ...AUTH }, pieces: [{ data: big.slice(0, 600_000), afterMs: 0 }, { data: big.slice(600_000), afterMs: 10 }] });
    expect([413, 0]).toContain(chunked.status);
  });

  it('a body sent too slowly: cut off after the request timeout (408)', async () => {
    const started = Date.now();
    const answer = await send(bin.url, {
      headers: { ...JSON_POST, ...AUTH, 'content-length': String(CREATE.length) },
      pieces: [
        { data: CREATE.slice(0, 10), afterMs: 0 },
        { data: CREATE.slice(10, 20), afterMs: TIMEOUT_MS * 3 },
        { data: CREATE.slice(20), afterMs: 10 },
      ],
    });
    // Node answers 408 and closes; a reset while the client still writes is the same refusal.
    expect([408, 0]).toContain(answer.status);
    // Generous: only catches a server that waited for the whole slow body.
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
  });

  it('headers sent too slowly: cut off too', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(bin.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
    socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), TIMEOUT_MS * 4);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    socket.destroy();
    expect(closed).toBe(true);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('a POST that is not JSON: 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send(bin.url, { headers: { ...JSON_POST, ...AUTH, 'content-type': type }, body: CREATE });
      expect(answer.status, type).toBe(415);
    }
  });

  it('a request from a web page of another origin: 403, before the secret is even looked at', async () => {
    for (const origin of ['http://evil.example', 'https://localhost.evil.example', 'null']) {
      const answer = await send(bin.url, { headers: { ...JSON_POST, ...AUTH, origin }, body: CREATE });
      expect(answer.status, origin).toBe(403);
    }
    // A page on this machine is fine (any port).
    const local = await send(bin.url, { headers: { ...JSON_POST, ...AUTH, origin: 'http://localhost:5173' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect(local.status).toBe(200);
  });

  it('a request for another Host (DNS rebinding): 403 on every path but /healthz', async () => {
    for (const host of ['evil.example', 'evil.example:80', 'localhost.evil.example', '127.0.0.1.nip.io']) {
      expect((await send(bin.url, { headers: { ...JSON_POST, ...AUTH, host }, body: CREATE })).status, host).toBe(403);
      expect((await send(`${bin.origin}/`, { method: 'GET', headers: { host } })).status, host).toBe(403);
    }
  });

  it('/healthz probed by address (a balancer sends an IP as Host): 200 for GET and HEAD, revealing nothing; 405 for other methods', async () => {
    for (const host of ['10.0.0.5', '10.0.0.5:8080', '[fd00::5]:8080']) {
      const health = await send(`${bin.origin}/healthz`, { method: 'GET', headers: { host } });
      expect([health.status, health.body], host).toEqual([200, '{"status":"ok"}']);
      expect((await send(`${bin.origin}/healthz`, { method: 'HEAD', headers: { host } })).status, host).toBe(200);
      const post = await send(`${bin.origin}/healthz`, { method: 'POST', headers: { host }, body: CREATE });
      expect([post.status, post.headers.allow], host).toEqual([405, 'GET, HEAD']);
    }
  });

  it('TRACE, CONNECT and extension methods: 405 with Allow, never a 500 or an error line', async () => {
    const logged = bin.stderr().length;
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'PURGE']) {
      const answer = await send(bin.url, { method, headers: AUTH });
      expect([answer.status, answer.headers.allow], method).toEqual([405, 'GET, POST, DELETE']);
      expect((await send(`${bin.origin}/.well-known/x`, { method, headers: AUTH })).status, method).toBe(405);
    }
    // Node hands CONNECT to a 'connect' listener, which there is none of: the connection is closed, no 500.
    expect((await send(bin.url, { method: 'CONNECT', path: `${new URL(bin.url).host}`, headers: AUTH })).status).not.toBe(500);
    expect(bin.stderr().slice(logged)).not.toMatch(/http: |Internal error/);
  });

  it('malformed JSON, or JSON that is not JSON-RPC: 400', async () => {
    for (const body of ['{"jsonrpc":"2.0","id":1,"method":', 'null', '42', '{"hello":"world"}']) {
      const answer = await send(bin.url, { headers: { ...JSON_POST, ...AUTH }, body });
      expect(answer.status, body).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
    }
  });

  it('JSON nested 400,000 deep: answered, and the server keeps serving', async () => {
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const inArguments = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"createOrganizationInvitations","arguments":{"organization_id":${deep}}}}`;
    const answer = await send(bin.url, { headers: { ...JSON_POST, ...AUTH }, body: inArguments });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('Input validation error');
    expect((await send(bin.url, { headers: { ...JSON_POST, ...AUTH }, body: deep })).status).toBe(400);
  });

  it('paths other than /mcp and /healthz: 404; /healthz answers without the secret and says only that it is up', async () => {
    expect((await send(`${bin.origin}/`, { method: 'GET' })).status).toBe(404);
    expect((await send(`${bin.origin}/healthz/`, { method: 'GET' })).status).toBe(404);
    // Not aliases of /mcp.
    for (const path of ['//evil.example/mcp', '/mcp/', '/x/../mcp', '/MCP']) {
      expect((await send(bin.origin, { path, headers: { ...JSON_POST, ...AUTH }, body: CREATE })).status, path).toBe(404);
    }
    const health = await send(`${bin.origin}/healthz`, { method: 'GET' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toStrictEqual({ status: 'ok' });
    expect((await send(`${bin.origin}/healthz`, { method: 'POST', body: CREATE })).status).toBe(405);
  });
});

describe('what the refusals and the server let out', () => {
  it('no secret (bearer secret, client token, session JWT) in any answer, header or log line', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) expect(leakedSecrets(`${JSON.stringify(answer.headers)}\n${answer.body}`, [SECRET])).toEqual([]);
    expect(leakedSecrets(bin.stderr(), [SECRET])).toEqual([]);
    expect(bin.stdout()).toBe('');
  });
});
