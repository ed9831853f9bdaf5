import { readFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport, type CallToolResult, type ClientOptions, type ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, freshConfig, runCli } from './helpers/cli.js';
import { startFakeClerk } from './helpers/fake-clerk.js';
import { killHttpBins, rawRequest, startHttpBin, type HttpBin } from './helpers/http-bin.js';
import { clientJwt, envelopeFor, storedSignIn } from './helpers/stored-sign-in.js';

// The built bin, `serve --http --sandbox`, driven by the SDK v2 client over Streamable HTTP in
// each protocol era.
const ERAS: Record<string, Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};
const ORG = 'org_sandbox';
const ALICE = 'orginv_sandboxalice000000000000000';
const YES: ElicitResult = { action: 'accept', content: { confirm: true } };
const NO: ElicitResult = { action: 'decline' };
const CONTRACT = JSON.parse(readFileSync(new URL('contract/tools-list.2025-11-25.json', import.meta.url), 'utf8')) as unknown;

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  killHttpBins();
});

/** A client of `era` with the bearer secret; each question is recorded and answered with the next of `answers`. */
async function connect(bin: HttpBin, era: string, answers?: ElicitResult[], secret = bin.secret): Promise<{ client: Client; asked: string[]; contentTypes: string[] }> {
  const asked: string[] = [];
  const contentTypes: string[] = [];
  const recording = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    contentTypes.push(response.headers.get('content-type') ?? '');
    return response;
  };
  const client = new Client({ name: 'http-local', version: '1.0.0' }, { capabilities: answers ? { elicitation: {} } : {}, ...ERAS[era] });
  if (answers) {
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push('message' in request.params ? request.params.message : '');
      return answers.shift() ?? NO;
    });
  }
  clients.push(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(bin.url), { fetch: recording, requestInit: { headers: { authorization: `Bearer ${secret ?? ''}` } } }));
  return { client, asked, contentTypes };
}

const caller = (client: Client) => async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const pendingEmails = async (client: Client): Promise<string[]> =>
  ((await caller(client)('getAllPendingOrganizationInvitations', { organization_id: ORG })).structuredContent as { data: { email_address: string }[] }).data.map((i) => i.email_address).sort();

describe('serve --http (local mode, the built bin against --sandbox)', () => {
  it('serves a 2026-07-28 client: the five tools as in the contract, each called, confirmations asked and answered across requests', async () => {
    const bin = await startHttpBin(['--sandbox']);
    const { client, asked, contentTypes } = await connect(bin, '2026-07-28', [NO, YES, YES]);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const { tools } = await client.listTools();
    expect(JSON.parse(JSON.stringify(tools))).toStrictEqual(CONTRACT);
    const call = caller(client);
    expect((await client.readResource({ uri: 'clerk://organizations' })).contents[0]).toMatchObject({ uri: 'clerk://organizations', text: expect.stringContaining(ORG) });
    const list = await call('getOrganizationInvitations', { organization_id: ORG, limit: 10 });
    expect(list.isError).toBeFalsy();
    expect(await pendingEmails(client)).toEqual(['alice@example.com', 'bob@example.com']);
    const created = await call('createOrganizationInvitations', { organization_id: ORG, email_address: 'new.hire@example.com', role: 'org:member', notify: false });
    expect(created.structuredContent).toMatchObject({ email_address: 'new.hire@example.com', status: 'pending' });
    // The question is asked in one HTTP request and its answer comes back in the next (a server per request).
    const bulk = { organization_id: ORG, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:admin', notify: false };
    expect(await call('bulkCreateOrganizationInvitations', bulk)).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('the user declined. Nothing was sent to Clerk.') }] });
    expect(await pendingEmails(client)).toEqual(['alice@example.com', 'bob@example.com', 'new.hire@example.com']);
    expect((await call('bulkCreateOrganizationInvitations', bulk)).isError).toBeFalsy();
    const revoked = await call('revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: ALICE });
    expect(revoked.structuredContent).toMatchObject({ id: ALICE, status: 'revoked' });
    expect(asked).toHaveLength(3);
    expect(asked[2]).toContain('Invitation for "alice@example.com", role "org:member"');
    expect(await pendingEmails(client)).toEqual(['ana@example.com', 'ben@example.com', 'bob@example.com', 'new.hire@example.com']);
    // Every answer a single JSON body (no stream: these tools send nothing before their result).
    expect(new Set(contentTypes)).toEqual(new Set(['application/json']));
    // Logs on stderr only.
    expect(bin.stdout()).toBe('');
  });

  it('serves a 2025-11-25 client statelessly: the five tools listed and the reads and creates run; a confirmation it cannot be asked for fails closed', async () => {
    const bin = await startHttpBin(['--sandbox']);
    const { client, asked } = await connect(bin, '2025-11-25', [YES, YES]);
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    const { tools } = await client.listTools();
    expect(JSON.parse(JSON.stringify(tools))).toStrictEqual(CONTRACT);
    const call = caller(client);
    expect((await call('getOrganizationInvitations', { organization_id: ORG })).isError).toBeFalsy();
    expect((await call('createOrganizationInvitations', { organization_id: ORG, email_address: 'new.hire@example.com', role: 'org:member', notify: false })).isError).toBeFalsy();
    const refused = 'a 2025-era client over HTTP cannot be asked to confirm (each request is served on its own); connect with a client that speaks MCP 2026-07-28, or over stdio. Nothing was sent to Clerk.';
    expect(await call('bulkCreateOrganizationInvitations', { organization_id: ORG, email_address: ['ana@example.com'], role: 'org:member', notify: false })).toMatchObject({ isError: true, content: [{ text: expect.stringContaining(refused) }] });
    expect(await call('revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: ALICE })).toMatchObject({ isError: true, content: [{ text: expect.stringContaining(refused) }] });
    expect(asked).toEqual([]);
    expect(await pendingEmails(client)).toEqual(['alice@example.com', 'bob@example.com', 'new.hire@example.com']);
  });

  it('runs all five tools for a 2025-11-25 client with --no-confirm', async () => {
    const bin = await startHttpBin(['--sandbox', '--no-confirm']);
    const { client } = await connect(bin, '2025-11-25');
    const call = caller(client);
    expect((await call('bulkCreateOrganizationInvitations', { organization_id: ORG, email_address: ['ana@example.com'], role: 'org:member', notify: false })).isError).toBeFalsy();
    expect((await call('revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: ALICE })).structuredContent).toMatchObject({ id: ALICE, status: 'revoked' });
    expect(await pendingEmails(client)).toEqual(['ana@example.com', 'bob@example.com']);
  });

  it('takes the bearer secret from CLERK_MCP_HTTP_TOKEN and never prints it', async () => {
    const secret = 'a-chosen-secret-of-forty-characters-0123';
    const bin = await startHttpBin(['--sandbox'], { CLERK_MCP_HTTP_TOKEN: secret });
    expect(bin.secret).toBeUndefined();
    const { client } = await connect(bin, '2026-07-28', undefined, secret);
    expect((await client.listTools()).tools).toHaveLength(5);
    expect(bin.stderr()).not.toContain(secret);
  });

  it('prints a generated secret once, on stderr, and a new one each run', async () => {
    const [one, two] = await Promise.all([startHttpBin(['--sandbox']), startHttpBin(['--sandbox'])]);
    expect(one.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(two.secret).not.toBe(one.secret);
    const { client } = await connect(one, '2026-07-28');
    await client.listTools();
    expect(one.stderr().split(one.secret ?? '').length - 1).toBe(1);
  });

  it('signs in as stdio does: with the stored credentials of `login`', async () => {
    const token = clientJwt('client_stored', 1);
    const fake = await startFakeClerk(() => ({ json: envelopeFor({ data: [], total_count: 0 }, 'client_stored') }));
    const { env, store } = freshConfig();
    await store.set(fake.url, storedSignIn(token));
    const bin = await startHttpBin([], { ...env, CLERK_FRONTEND_API_URL: fake.url });
    const { client } = await connect(bin, '2026-07-28');
    expect((await caller(client)('getOrganizationInvitations', { organization_id: 'org_1' })).isError).toBeFalsy();
    expect(fake.requests.map((r) => [r.path, r.headers.authorization])).toEqual([['/v1/organizations/org_1/invitations', `Bearer ${token}`]]);
    expect(bin.stderr()).not.toContain(token);
  });

  it('does not start on a non-loopback --host without the Host names clients use, and names the fix', async () => {
    const run = await runCli(['serve', '--http', '--sandbox', '--host', '0.0.0.0'], baseEnv);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--host 0.0.0.0 is not a loopback address');
    expect(run.stderr).toContain('add --allowed-hosts <names>, e.g. --allowed-hosts mcp.example.com, or set CLERK_MCP_ALLOWED_HOSTS');
    const bad = await runCli(['serve', '--http', '--sandbox', '--host', '0.0.0.0', '--allowed-hosts', 'https://mcp.example.com/'], baseEnv);
    expect(bad.stderr).toContain("'https://mcp.example.com/' is not a host name");
  });

  it('on a non-loopback --host, takes requests for the listed Host names only', async () => {
    const bin = await startHttpBin(['--sandbox', '--host', '0.0.0.0', '--allowed-hosts', 'mcp.example.test'], { CLERK_MCP_HTTP_TOKEN: 'allowed-hosts-secret-0123456789-abcdefghij' });
    const url = `http://127.0.0.1:${new URL(bin.url).port}`;
    // Past the Host check, `/` is 404; /healthz answers whatever the Host (http-hostile.test.ts).
    const root = (host: string) => rawRequest(`${url}/`, { method: 'GET', headers: { host } });
    expect((await root('mcp.example.test')).status).toBe(404);
    expect((await root('mcp.example.test:8443')).status).toBe(404);
    expect((await root('evil.example')).status).toBe(403);
    // Loopback names are not implied when listening beyond loopback.
    expect((await root('127.0.0.1')).status).toBe(403);
  });

  it('refuses a CLERK_MCP_HTTP_TOKEN that could be guessed', async () => {
    const run = await runCli(['serve', '--http', '--sandbox'], { ...baseEnv, CLERK_MCP_HTTP_TOKEN: 'short' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CLERK_MCP_HTTP_TOKEN must be at least 32 characters without spaces');
    expect(run.stderr).not.toMatch(/\bshort\b/);
  });

  it('does not start on a port in use, and says so in one line', async () => {
    const taken = await startHttpBin(['--sandbox']);
    const run = await runCli(['serve', '--http', '--sandbox', '--port', new URL(taken.url).port], baseEnv);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`clerk-invitations-mcp: cannot listen on 127.0.0.1:${new URL(taken.url).port}: the port is in use (choose another --port or --host)`);
  });
});
