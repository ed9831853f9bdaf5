import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk } from './helpers/fake-clerk.js';
import { killHttpBins, rawRequest, startHttpBin } from './helpers/http-bin.js';

const SECRET = 'shutdown-test-secret-0123456789-abcdefghij';
const AUTH = { authorization: `Bearer ${SECRET}` };
const PING = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' });
const HEADERS = { ...AUTH, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

afterEach(killHttpBins);

describe('serve --http on SIGTERM', () => {
  it('lets the call in flight finish, answers new requests 503, then exits 0', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Clerk answers the create only when the test lets it.
    const fake = await startFakeClerk(() => ({ json: envelope(invitation()), until: held }));
    const bin = await startHttpBin([], { CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_MCP_HTTP_TOKEN: SECRET });
    const client = new Client({ name: 'shutdown', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { requestInit: { headers: AUTH } }));
    const inFlight = client.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' } });
    await expect.poll(() => fake.requests.length).toBe(1);
    bin.child.kill('SIGTERM');
    await expect.poll(() => bin.stderr()).toContain('SIGTERM: stopping; 1 request(s) in flight');
    const refused = await rawRequest(bin.url, { headers: HEADERS, body: PING });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await rawRequest(`${bin.origin}/healthz`, { method: 'GET' })).status).toBe(503);
    release();
    const result = (await inFlight) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ id: 'orginv_1', status: 'pending' });
    expect(await bin.exited).toBe(0);
    expect(fake.requests).toHaveLength(1);
  });

  it('lets a write waiting for a slot to Clerk at SIGTERM still be sent within the grace period', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const fake = await startFakeClerk((request) => ({ json: envelope(invitation({ email_address: new URLSearchParams(request.body).get('email_address') })), until: held }));
    // One slot: the second write waits behind the first, inside the server, when SIGTERM comes.
    const bin = await startHttpBin([], { CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_MCP_HTTP_TOKEN: SECRET, CLERK_MAX_CONCURRENCY: '1' });
    const client = new Client({ name: 'shutdown', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { requestInit: { headers: AUTH } }));
    const write = (email: string): Promise<CallToolResult> => client.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_1', email_address: email, role: 'org:member' } }) as Promise<CallToolResult>;
    const first = write('a@example.com');
    await expect.poll(() => fake.requests.length).toBe(1);
    const queued = write('b@example.com');
    // Time for the second request to reach the server (nothing outside it shows a call waiting for
    // a slot); the log line below says whether it had arrived, so a slow machine fails loudly.
    await new Promise((resolve) => setTimeout(resolve, 300));
    bin.child.kill('SIGTERM');
    await expect.poll(() => bin.stderr()).toContain('SIGTERM: stopping; 2 request(s) in flight');
    release();
    expect((await first).isError).toBeFalsy();
    const second = await queued;
    expect(second.isError).toBeFalsy();
    expect(second.structuredContent).toMatchObject({ email_address: 'b@example.com' });
    expect(await bin.exited).toBe(0);
    expect(fake.requests.map((r) => new URLSearchParams(r.body).get('email_address'))).toEqual(['a@example.com', 'b@example.com']);
  });

  it('cuts off a call still running after the grace period, and exits 0', async () => {
    const fake = await startFakeClerk(() => ({ hang: true }));
    const bin = await startHttpBin([], { CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_MCP_HTTP_TOKEN: SECRET, CLERK_MCP_HTTP_SHUTDOWN_GRACE_MS: '300' });
    const client = new Client({ name: 'shutdown', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { requestInit: { headers: AUTH } }));
    const inFlight = client.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_1' } }).catch((error: unknown) => error);
    await expect.poll(() => fake.requests.length).toBe(1);
    bin.child.kill('SIGTERM');
    expect(await bin.exited).toBe(0);
    expect(bin.stderr()).toContain('stopped after 300 ms with 1 request(s) unanswered');
    expect(await inFlight).toBeInstanceOf(Error);
  });
});

describe('serve --http request timeout', () => {
  it('does not count a slow call against the request timeout (it bounds receiving the request only)', async () => {
    const fake = await startFakeClerk(() => ({ json: envelope(invitation()), delayMs: 1_500 }));
    const bin = await startHttpBin([], { CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_MCP_HTTP_TOKEN: SECRET, CLERK_MCP_HTTP_REQUEST_TIMEOUT_MS: '500' });
    const client = new Client({ name: 'slow-call', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { requestInit: { headers: AUTH } }));
    const result = (await client.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:member' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    await client.close();
  });
});
