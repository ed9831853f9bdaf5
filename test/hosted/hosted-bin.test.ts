import { Client, StreamableHTTPClientTransport, type CallToolResult, type ClientOptions, type ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/simulator.js';
import { baseEnv, runCli } from '../helpers/cli.js';
import { backendInvitation, membership, memberships, SECRET_KEY } from '../helpers/fake-backend.js';
import { startFakeClerk } from '../helpers/fake-clerk.js';
import { killHttpBins, rawRequest, startHttpBin, type HttpBin } from '../helpers/http-bin.js';
import { postForm, registerPublicClient, signInWithOAuth } from '../helpers/sandbox-oauth.js';

// `serve --http --hosted`, the built bin, against a sandbox started here (as replicas share one
// Clerk): its OAuth server issues the tokens, its Backend API is what the bin calls, and
// `sandbox.backendRequests` shows what was sent.
const ORG = 'org_sandbox';
const ADMIN = 'user_sandbox_admin';
const ERAS: Record<string, Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};

const sandboxes: Sandbox[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  killHttpBins();
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

async function sandboxed(options: Parameters<typeof startSandbox>[0] = {}): Promise<{ sandbox: Sandbox; env: Record<string, string> }> {
  const sandbox = await startSandbox(options);
  sandboxes.push(sandbox);
  return { sandbox, env: { CLERK_FRONTEND_API_URL: sandbox.url, CLERK_BACKEND_API_URL: sandbox.backendApiUrl, CLERK_SECRET_KEY: sandbox.secretKey } };
}

async function connect(url: string, token: string, era: string, options: { elicit?: ElicitResult; fetch?: typeof fetch } = {}): Promise<Client> {
  const client = new Client({ name: 'hosted-test', version: '1.0.0' }, { capabilities: options.elicit ? { elicitation: {} } : {}, ...ERAS[era] });
  if (options.elicit) client.setRequestHandler('elicitation/create', () => options.elicit!);
  clients.push(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } }, ...(options.fetch && { fetch: options.fetch }) }));
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> => (await client.callTool({ name, arguments: args })) as CallToolResult;
const text = (result: CallToolResult): string => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
const writes = (sandbox: Sandbox): string[] => sandbox.backendRequests.filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens/verify')).map((r) => `${r.method} ${r.path}`);

describe('serve --http --hosted (the built bin, tokens from the sandbox\'s OAuth server)', () => {
  it.each(Object.keys(ERAS))('lets an admin list and create and refuses a member, sending nothing for them (%s)', async (era) => {
    const { sandbox, env } = await sandboxed();
    const bin = await startHttpBin(['--hosted', '--no-confirm'], env);
    const [admin, member] = await Promise.all([signInWithOAuth(sandbox.url, 'admin@sandbox.test'), signInWithOAuth(sandbox.url, 'member@sandbox.test')]);

    const asAdmin = await connect(bin.url, admin.access_token, era);
    expect((await asAdmin.listTools()).tools.map((t) => t.name)).toHaveLength(5);
    expect((await call(asAdmin, 'getOrganizationInvitations', { organization_id: ORG, status: 'pending' })).isError).toBeFalsy();
    const created = await call(asAdmin, 'createOrganizationInvitations', { organization_id: ORG, email_address: `hire.${era}@example.com`, role: 'org:member', notify: false });
    expect(created.structuredContent).toMatchObject({ email_address: `hire.${era}@example.com`, inviter_id: ADMIN, status: 'pending' });
    const organizations = JSON.parse(((await asAdmin.readResource({ uri: 'clerk://organizations' })).contents[0] as { text: string }).text) as { organizations: { id: string }[] };
    expect(organizations.organizations.map((o) => o.id)).toContain(ORG);

    const before = writes(sandbox);
    const asMember = await connect(bin.url, member.access_token, era);
    const refused = await call(asMember, 'createOrganizationInvitations', { organization_id: ORG, email_address: `other.${era}@example.com`, role: 'org:member', notify: false });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('was refused, and nothing was sent to Clerk: the user (user_sandbox_member)');
    expect(text(refused)).toContain('missing_organization_permission');
    expect((await call(asMember, 'revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: 'orginv_sandboxalice000000000000000' })).isError).toBe(true);
    expect(writes(sandbox)).toEqual(before);
    expect(bin.stdout()).toBe('');
  });

  it('serves users in parallel, each as themselves: nothing of one request\'s user reaches another\'s (issue 11: shared definitions, per-user servers)', async () => {
    const { sandbox, env } = await sandboxed();
    const bin = await startHttpBin(['--hosted', '--no-confirm'], env);
    const [admin, mfa, member] = await Promise.all([signInWithOAuth(sandbox.url, 'admin@sandbox.test'), signInWithOAuth(sandbox.url, 'mfa@sandbox.test'), signInWithOAuth(sandbox.url, 'member@sandbox.test')]);
    const users = [
      { id: ADMIN, client: await connect(bin.url, admin.access_token, '2026-07-28') },
      { id: 'user_sandbox_mfa', client: await connect(bin.url, mfa.access_token, '2025-11-25') },
      { id: 'user_sandbox_member', client: await connect(bin.url, member.access_token, '2026-07-28') },
    ];
    // Interleaved: every user's calls are in flight at once, against the same process.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, round) => users.map(async ({ id, client }) => ({ id, result: await call(client, 'createOrganizationInvitations', { organization_id: ORG, email_address: `parallel.${round}.${id}@example.com`, role: 'org:member', notify: false }) }))).flat(),
    );
    for (const { id, result } of results) {
      if (id === 'user_sandbox_member') {
        expect(result.isError, text(result)).toBe(true);
        expect(text(result)).toContain('the user (user_sandbox_member)');
      } else {
        expect(result.isError, text(result)).toBeFalsy();
        expect(result.structuredContent).toMatchObject({ email_address: expect.stringContaining(`.${id}@`) as string, inviter_id: id });
      }
    }
    // Each create was sent as its own user, and none for the member.
    const creates = sandbox.backendRequests.filter((r) => r.method === 'POST' && r.path === `/organizations/${ORG}/invitations`);
    expect(creates).toHaveLength(12);
    for (const create of creates) {
      const body = create.body as { email_address: string; inviter_user_id: string };
      expect(body.email_address).toContain(`.${body.inviter_user_id}@`);
    }
  });

  it('refuses requests without a valid token with 401 and the right challenge, and keeps serving', async () => {
    const { sandbox, env } = await sandboxed({ accessTokenTtlSeconds: 2 });
    const good = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    const other = await registerPublicClient(sandbox.url, { client_name: 'another application' });
    const theirs = await signInWithOAuth(sandbox.url, 'admin@sandbox.test', other.client_id);
    const revoked = await signInWithOAuth(sandbox.url, 'admin@sandbox.test', good.client_id);
    expect((await postForm(`${sandbox.url}/oauth/token/revoke`, { token: revoked.access_token, client_id: revoked.client_id })).status).toBe(200);
    const expired = await signInWithOAuth(sandbox.url, 'admin@sandbox.test', good.client_id);
    // Only the tokens of this one OAuth application are accepted: the other's is for another resource.
    const bin = await startHttpBin(['--hosted'], { ...env, CLERK_MCP_ALLOWED_CLIENT_IDS: good.client_id });
    await new Promise((resolve) => setTimeout(resolve, 2_100));

    const metadata = `resource_metadata="${bin.origin}/.well-known/oauth-protected-resource/mcp"`;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const ask = (authorization?: string) => rawRequest(bin.url, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(authorization && { authorization }) }, body });
    const answers = [];
    const none = await ask();
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, `Bearer ${metadata}`]);
    for (const [what, token] of [['forged', 'oat_forged_0123456789'], ['revoked', revoked.access_token], ['expired', expired.access_token], ['for another application', theirs.access_token]] as const) {
      const answer = await ask(`Bearer ${token}`);
      answers.push(answer);
      expect(answer.status, what).toBe(401);
      expect(answer.headers['www-authenticate'], what).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"/);
      expect(answer.headers['www-authenticate'], what).toContain(metadata);
    }
    // A served request's answer does not carry the secret key either.
    const fresh = await signInWithOAuth(sandbox.url, 'admin@sandbox.test', good.client_id);
    const served = await ask(`Bearer ${fresh.access_token}`);
    expect(served.status).toBe(200);
    answers.push(served);
    expect((await fetch(`${bin.origin}/healthz`)).status).toBe(200);
    const published = (await (await fetch(`${bin.origin}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(published).toMatchObject({ resource: bin.url, authorization_servers: [sandbox.url], bearer_methods_supported: ['header'] });
    const everything = [bin.stderr(), bin.stdout(), ...answers.map((a) => JSON.stringify(a))].join('\n');
    expect(everything).not.toContain(sandbox.secretKey);
    expect(everything).not.toContain(theirs.access_token);
  });

  it('answers a confirmation asked by one replica at another (the HMAC key comes from the secret key)', async () => {
    const { sandbox, env } = await sandboxed();
    const a = await startHttpBin(['--hosted'], env);
    // Behind one address, as a load balancer would put them: B names A's URL as the resource.
    const b = await startHttpBin(['--hosted', '--public-url', a.origin], env);
    const admin = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    const calls: string[] = [];
    let turn = 0;
    // A round-robin balancer in the client's fetch: each HTTP request to the next replica.
    const balanced: typeof fetch = async (input, init) => {
      const replica: HttpBin = turn++ % 2 === 0 ? a : b;
      const target = new URL(input instanceof Request ? input.url : String(input));
      if (target.pathname === '/mcp' && typeof init?.body === 'string' && init.body.includes('"tools/call"')) calls.push(replica === a ? 'A' : 'B');
      return fetch(`${replica.origin}${target.pathname}${target.search}`, init);
    };
    const client = await connect(a.url, admin.access_token, '2026-07-28', { elicit: { action: 'accept', content: { confirm: true } }, fetch: balanced });
    const result = await call(client, 'bulkCreateOrganizationInvitations', { organization_id: ORG, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:member', notify: false });

    expect(text(result)).not.toContain('failed');
    expect(result.structuredContent).toMatchObject({ total_count: 2 });
    // Asked at one replica, answered at the other.
    expect(calls.length).toBe(2);
    expect(new Set(calls).size).toBe(2);
    expect(writes(sandbox)).toEqual([`POST /organizations/${ORG}/invitations/bulk`]);
  });

  it('refuses a confirmation replayed to another replica after its invitation was revoked: Clerk is the shared record, nothing is created again', async () => {
    const { sandbox, env } = await sandboxed();
    const a = await startHttpBin(['--hosted'], env);
    const b = await startHttpBin(['--hosted', '--public-url', a.origin], env);
    const admin = await signInWithOAuth(sandbox.url, 'admin@sandbox.test');
    // A 2026-07-28 client by hand: each tools/call carries its envelope; the retry, the answer and the state.
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'by-hand', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const args = { organization_id: ORG, email_address: ['replay.one@example.com', 'replay.two@example.com'], role: 'org:member', notify: false };
    const post = async (bin: HttpBin, retry: object = {}): Promise<{ result?: { requestState?: string; isError?: boolean; content?: { text: string }[]; structuredContent?: { data: { id: string }[] } } }> => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'bulkCreateOrganizationInvitations', arguments: args, ...retry, _meta: meta } });
      const res = await fetch(bin.url, { method: 'POST', headers: { authorization: `Bearer ${admin.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'bulkCreateOrganizationInvitations' }, body });
      const raw = await res.text();
      expect(res.status, raw).toBe(200);
      return JSON.parse(raw) as never;
    };
    const asked = await post(a);
    const requestState = asked.result?.requestState ?? '';
    // Good for two minutes over HTTP (the SDK's state: `v1.` + base64url JSON with `exp` in seconds + `.` + MAC).
    const { exp } = JSON.parse(Buffer.from(requestState.slice(3).split('.')[0]!, 'base64url').toString('utf8')) as { exp: number };
    expect(exp - Date.now() / 1000).toBeGreaterThan(100);
    expect(exp - Date.now() / 1000).toBeLessThanOrEqual(121);
    const answer = { requestState, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } };
    const created = await post(a, answer);
    expect(created.result?.isError).toBeFalsy();
    const ids = created.result?.structuredContent?.data.map((i) => i.id) ?? [];
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const revoked = await fetch(`${sandbox.backendApiUrl}/organizations/${ORG}/invitations/${id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${sandbox.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ requesting_user_id: ADMIN }) });
      expect(revoked.status).toBe(200);
    }
    const before = writes(sandbox);
    // The same yes, sent to the other replica: its own record of answered questions never saw it.
    const replayed = await post(b, answer);
    expect(replayed.result?.isError).toBe(true);
    expect(replayed.result?.content?.[0]?.text).toContain('this confirmation was already used');
    expect(writes(sandbox)).toEqual(before);
    expect(before.filter((w) => w.endsWith('/invitations/bulk'))).toHaveLength(1);
    // And the same replica still refuses it by its own record.
    expect((await post(a, answer)).result?.content?.[0]?.text).toContain('already answered');
  });

  it('runs on its own sandbox with --sandbox --hosted: the OAuth server and Backend API in the same process', async () => {
    const bin = await startHttpBin(['--sandbox', '--hosted', '--no-confirm']);
    const issuer = /sandbox: simulated Clerk .* at (http:\/\/\S+);/.exec(bin.stderr())?.[1] ?? '';
    const published = (await (await fetch(`${bin.origin}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(published).toMatchObject({ resource: bin.url, authorization_servers: [issuer] });
    const [admin, member] = await Promise.all([signInWithOAuth(issuer, 'admin@sandbox.test'), signInWithOAuth(issuer, 'member@sandbox.test')]);
    const args = { organization_id: ORG, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:member', notify: false };
    expect(text(await call(await connect(bin.url, member.access_token, '2026-07-28'), 'bulkCreateOrganizationInvitations', args))).toContain('missing_organization_permission');
    expect((await call(await connect(bin.url, admin.access_token, '2026-07-28'), 'bulkCreateOrganizationInvitations', args)).structuredContent).toMatchObject({ total_count: 2 });
  });

  it('warns once at start when CLERK_MCP_ALLOWED_CLIENT_IDS is unset (tokens of every OAuth application are accepted), not when it is set', async () => {
    const { env } = await sandboxed();
    const open = await startHttpBin(['--hosted'], env);
    const warnings = open.stderr().split('\n').filter((line) => line.includes('CLERK_MCP_ALLOWED_CLIENT_IDS'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('is not set: a token any OAuth application of this Clerk instance obtained (one meant for another resource included) is accepted here');
    const pinned = await startHttpBin(['--hosted'], { ...env, CLERK_MCP_ALLOWED_CLIENT_IDS: 'client_mcp' });
    expect(pinned.stderr()).toContain('serving MCP over HTTP');
    // The pinned server names the variable only to say which applications it accepts.
    expect(pinned.stderr()).not.toContain('CLERK_MCP_ALLOWED_CLIENT_IDS is not set');
  });

  it('lets a call in flight at SIGTERM finish, its write included, then exits 0', async () => {
    const fake = await startFakeClerk((request) => {
      if (request.path.endsWith('/access_tokens/verify')) return { json: { object: 'clerk_idp_oauth_access_token', id: 'oat_1', client_id: 'client_1', subject: ADMIN, scopes: [], revoked: false, revocation_reason: null, expired: false, expiration: Date.now() / 1000 + 3600, created_at: 1, updated_at: 1 } };
      // Slow enough for the signal to arrive between the membership check and the write.
      if (request.path.endsWith('/organization_memberships')) return { delayMs: 500, json: memberships(membership({ id: ORG, name: 'Sandbox Inc' }, 'org:admin')) };
      return { json: backendInvitation({ organization_id: ORG }) };
    });
    const bin = await startHttpBin(['--hosted'], { CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_BACKEND_API_URL: fake.url, CLERK_SECRET_KEY: SECRET_KEY });
    const client = await connect(bin.url, 'oat_a_token_0123456789abcdef0123', '2026-07-28');
    const pending = call(client, 'createOrganizationInvitations', { organization_id: ORG, email_address: 'a@example.com', role: 'org:member' });
    while (!fake.requests.some((r) => r.path.endsWith('/organization_memberships'))) await new Promise((resolve) => setTimeout(resolve, 10));
    bin.child.kill('SIGTERM');

    expect((await pending).isError).toBeFalsy();
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toContain(`POST /v1/organizations/${ORG}/invitations`);
    expect(await bin.exited).toBe(0);
  });

  it('fails closed, naming the fix, without HTTP, the secret key, the publishable key or a public URL', async () => {
    const run = async (args: string[], env: Record<string, string> = {}): Promise<[number | null, string]> => {
      const { code, stderr } = await runCli(args, { ...baseEnv, ...env });
      return [code, stderr];
    };
    expect(await run(['serve', '--hosted'])).toEqual([2, expect.stringContaining('add --http') as unknown]);
    expect(await run(['serve', '--http', '--hosted'])).toEqual([1, expect.stringContaining('set CLERK_PUBLISHABLE_KEY') as unknown]);
    const pk = { CLERK_PUBLISHABLE_KEY: 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk' };
    expect(await run(['serve', '--http', '--hosted'], pk)).toEqual([1, expect.stringContaining('Hosted mode needs CLERK_SECRET_KEY') as unknown]);
    const [code, stderr] = await run(['serve', '--http', '--hosted'], { ...pk, CLERK_SECRET_KEY: 'sk_live_has a space' });
    expect([code, stderr]).toEqual([1, expect.stringContaining('CLERK_SECRET_KEY is not a Clerk secret key') as unknown]);
    expect(stderr).not.toContain('has a space');
    expect(await run(['serve', '--http', '--hosted', '--host', '0.0.0.0'], { ...pk, CLERK_SECRET_KEY: 'sk_live_abc' })).toEqual([1, expect.stringContaining('add --public-url') as unknown]);
    expect(await run(['serve', '--http', '--hosted', '--public-url', 'http://mcp.example.com'], { ...pk, CLERK_SECRET_KEY: 'sk_live_abc' })).toEqual([1, expect.stringContaining('must use https') as unknown]);
  });
});
