import type { CallToolResult, Client, ElicitResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { oauthClient, type Era, type SandboxOAuthProvider } from './helpers/oauth-client.js';
import { replicaLaunch, spawnBin, type Spawned } from './helpers/hosted-bin.js';

// Issue 11's "Verified by": the SDK v2 client over Streamable HTTP, with its own OAuth support
// (discovery, dynamic client registration, PKCE, the code exchange, a refresh) against the built
// bin in hosted mode on the sandbox, as two users: an admin (works) and a member (refused, nothing
// sent), in both protocol eras.

const ERAS: Era[] = ['2025-11-25', '2026-07-28'];
const ORG = 'org_sandbox';
const TOOLS = ['bulkCreateOrganizationInvitations', 'createOrganizationInvitations', 'getAllPendingOrganizationInvitations', 'getOrganizationInvitations', 'revokePendingOrganizationInvitation'];
// The 403-style refusal a member gets (Clerk's missing_organization_permission, as the Frontend API
// gives it to a member), which says that nothing was sent.
const REFUSED = /missing_organization_permission|may not manage/;
const NOTHING_SENT = /nothing was sent to Clerk/i;

const running: Spawned[] = [];
const clients: Client[] = [];
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  for (const bin of running.splice(0)) {
    bin.child.kill('SIGKILL');
    await bin.exited;
  }
  await sandbox?.close();
  sandbox = undefined;
});

const HOSTED_URL = /serving MCP over HTTP at (http:\/\/127\.0\.0\.1:\d+\/mcp)/;

/** `serve --http --hosted --sandbox`: the built bin on its own simulator. */
async function hostedOnSandbox(env: Record<string, string> = {}, flags: string[] = []): Promise<URL> {
  const bin = await spawnBin(['serve', '--http', '--hosted', '--sandbox', '--port', '0', ...flags], env, HOSTED_URL);
  running.push(bin);
  return new URL(bin.match[1]!);
}

/** `serve --http --hosted` against a sandbox in this process, whose Backend API records every request. */
async function hostedOnRecordingSandbox(): Promise<{ url: URL; sandbox: Sandbox }> {
  sandbox = await startSandbox();
  const launch = replicaLaunch(undefined, sandbox.url, sandbox.backendApiUrl, sandbox.secretKey);
  const bin = await spawnBin(launch.args, launch.env, HOSTED_URL);
  running.push(bin);
  return { url: new URL(bin.match[1]!), sandbox };
}

async function signIn(url: URL, user: string, era: Era, answer?: (message: string) => ElicitResult): Promise<{ client: Client; provider: SandboxOAuthProvider; call: (name: string, args: Record<string, unknown>) => Promise<CallToolResult> }> {
  const { client, provider } = await oauthClient(url, user, era, answer);
  clients.push(client);
  expect(client.getNegotiatedProtocolVersion()).toBe(era);
  return { client, provider, call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult };
}

const emails = (result: CallToolResult): string[] => (result.structuredContent as { data: { email_address: string }[] }).data.map((i) => i.email_address).sort();

/** Every tool once, with arguments a member must not get away with. */
const memberAttempts = (era: Era): [string, Record<string, unknown>][] => [
  ['getOrganizationInvitations', { organization_id: ORG }],
  ['getAllPendingOrganizationInvitations', { organization_id: ORG }],
  ['createOrganizationInvitations', { organization_id: ORG, email_address: `member-try-${era}@example.com`, role: 'org:admin', notify: false }],
  ['bulkCreateOrganizationInvitations', { organization_id: ORG, email_address: [`member-bulk-${era}@example.com`], role: 'org:admin', notify: false }],
  ['revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: 'orginv_sandboxalice000000000000000' }],
];

describe('serve --http --hosted --sandbox, the SDK v2 client signing in with its own OAuth support', () => {
  for (const era of ERAS) {
    it(`${era}: the SDK registers, authorizes with PKCE and exchanges the code; an admin lists and calls all five tools, a member is refused every one and nothing changes`, async () => {
      // A 2026-07-28 client is asked to confirm the bulk create and the revoke (and says yes). A
      // 2025-era client over HTTP cannot be asked (each request is served on its own), so the
      // server refuses those two unless it runs with --no-confirm, as one serving such clients must.
      const url = await hostedOnSandbox({}, era === '2025-11-25' ? ['--no-confirm'] : []);
      const asked: string[] = [];
      const admin = await signIn(url, 'admin@sandbox.test', era, era === '2026-07-28' ? (message) => (asked.push(message), { action: 'accept', content: { confirm: true } }) : undefined);

      // The flow really ran through the SDK: one dynamic registration, one authorization with an
      // S256 code challenge for this resource, tokens (with a refresh token) saved from the exchange.
      const { record } = admin.provider;
      expect(record.registrations).toHaveLength(1);
      expect(record.registrations[0]!.client_id).toEqual(expect.any(String));
      expect(record.authorizationUrls).toHaveLength(1);
      const authorize = record.authorizationUrls[0]!.searchParams;
      expect(authorize.get('code_challenge_method')).toBe('S256');
      expect(authorize.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize.get('resource')).toBe(url.href);
      expect(record.codeVerifiers).toHaveLength(1);
      expect(record.savedTokens).toHaveLength(1);
      expect(record.savedTokens[0]).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: expect.stringMatching(/^bearer$/i) });

      expect((await admin.client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      const listed = await admin.call('getOrganizationInvitations', { organization_id: ORG, limit: 10 });
      expect(listed.isError).toBeFalsy();
      const before = emails(await admin.call('getAllPendingOrganizationInvitations', { organization_id: ORG }));
      expect(before).toEqual(['alice@example.com', 'bob@example.com']);
      const created = await admin.call('createOrganizationInvitations', { organization_id: ORG, email_address: 'new.hire@example.com', role: 'org:member', notify: false });
      expect(created.isError).toBeFalsy();
      expect(created.structuredContent).toMatchObject({ email_address: 'new.hire@example.com', status: 'pending' });
      const bulk = await admin.call('bulkCreateOrganizationInvitations', { organization_id: ORG, email_address: ['ana@example.com', 'ben@example.com'], role: 'org:admin', notify: false });
      expect(bulk.isError, JSON.stringify(bulk.content)).toBeFalsy();
      const revoked = await admin.call('revokePendingOrganizationInvitation', { organization_id: ORG, invitation_id: (created.structuredContent as { id: string }).id });
      expect(revoked.structuredContent).toMatchObject({ email_address: 'new.hire@example.com', status: 'revoked' });
      const pending = emails(await admin.call('getAllPendingOrganizationInvitations', { organization_id: ORG }));
      expect(pending).toEqual(['alice@example.com', 'ana@example.com', 'ben@example.com', 'bob@example.com']);
      expect(asked).toHaveLength(era === '2026-07-28' ? 2 : 0);

      // The member signs in the same way and sees the same tools, but every call is refused.
      const member = await signIn(url, 'member@sandbox.test', era);
      expect(member.provider.record.registrations).toHaveLength(1);
      expect((await member.client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      for (const [name, args] of memberAttempts(era)) {
        const refused = await member.call(name, args);
        expect(refused.isError, name).toBe(true);
        expect(refused.content[0], name).toMatchObject({ type: 'text', text: expect.stringMatching(REFUSED) });
        expect(refused.content[0], name).toMatchObject({ type: 'text', text: expect.stringMatching(NOTHING_SENT) });
      }
      // Nothing the member tried happened: the admin sees the same pending invitations, alice's included.
      expect(emails(await admin.call('getAllPendingOrganizationInvitations', { organization_id: ORG }))).toEqual(pending);
    });
  }

  it('refreshes an expired access token through the SDK: a 401, the refresh grant, the new token saved, no new authorization', async () => {
    const url = await hostedOnSandbox({ CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS: '1' });
    const admin = await signIn(url, 'admin@sandbox.test', '2026-07-28');
    expect((await admin.call('getOrganizationInvitations', { organization_id: ORG })).isError).toBeFalsy();
    const first = admin.provider.record.savedTokens[0]!;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The server refuses the expired token (401); the SDK's transport refreshes and retries.
    expect((await admin.call('getOrganizationInvitations', { organization_id: ORG })).isError).toBeFalsy();
    const { savedTokens, authorizationUrls, registrations } = admin.provider.record;
    expect(savedTokens.length).toBeGreaterThanOrEqual(2);
    expect(savedTokens.at(-1)!.access_token).not.toBe(first.access_token);
    // The sandbox rotates refresh tokens: a new one means the refresh grant was used.
    expect(savedTokens.at(-1)!.refresh_token).toEqual(expect.any(String));
    expect(savedTokens.at(-1)!.refresh_token).not.toBe(first.refresh_token);
    expect(authorizationUrls).toHaveLength(1);
    expect(registrations).toHaveLength(1);
  });
});

describe('serve --http --hosted against a sandbox that records what its Backend API receives', () => {
  it('sends nothing to the invitation endpoints for a member, in either era; an admin\u2019s calls do reach them', async () => {
    const { url, sandbox } = await hostedOnRecordingSandbox();
    const invitationRequests = () => sandbox.backendRequests.filter((request) => /\/invitations/.test(request.path));
    for (const era of ERAS) {
      const member = await signIn(url, 'member@sandbox.test', era);
      for (const [name, args] of memberAttempts(era)) expect((await member.call(name, args)).isError, name).toBe(true);
    }
    expect(invitationRequests()).toEqual([]);
    const admin = await signIn(url, 'admin@sandbox.test', '2026-07-28');
    expect((await admin.call('createOrganizationInvitations', { organization_id: ORG, email_address: 'new.hire@example.com', role: 'org:member', notify: false })).isError).toBeFalsy();
    expect(invitationRequests().map((request) => request.method)).toEqual(['POST']);
  });
});
