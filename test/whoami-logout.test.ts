import { spawn } from 'node:child_process';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { BIN, freshConfig, runCli } from './helpers/cli.js';

let sandbox: Sandbox;
let client: Client | undefined;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await sandbox.close();
});

const at = (): string[] => ['--frontend-api-url', sandbox.url];

async function signedIn(): Promise<ReturnType<typeof freshConfig>> {
  const config = freshConfig();
  const run = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], config.env);
  expect(run.code).toBe(0);
  return config;
}

async function status(token: string, sessionId: string, path = '/v1/organizations/org_sandbox/invitations'): Promise<number> {
  return (await fetch(`${sandbox.url}${path}?_is_native=1&_clerk_session_id=${sessionId}`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('whoami', () => {
  it('shows host, user, session, where the credentials come from, and the organizations the user can manage', async () => {
    const { env, store } = await signedIn();
    const run = await runCli(['whoami', ...at()], env);
    expect(run.code).toBe(0);
    const entry = store.get(sandbox.url)!;
    expect(run.stdout).toBe(
      [
        `Host:          ${sandbox.url}`,
        'User:          admin@sandbox.test (user_sandbox_admin)',
        `Session:       ${entry.sessionId} (active)`,
        `Credentials:   credentials file ${store.path}`,
        'Organizations where you can manage members:',
        '  org_sandbox  Sandbox Inc  (org:admin)',
        'Also a member of 1 organization(s) without permission to manage members.',
        '',
      ].join('\n'),
    );
    expect(run.stdout + run.stderr).not.toContain(entry.clientToken);
  });

  it('uses CLERK_CLIENT_TOKEN first, like the server', async () => {
    const { env } = await signedIn();
    const run = await runCli(['whoami', ...at()], { ...env, CLERK_CLIENT_TOKEN: sandbox.clientToken, CLERK_SESSION_ID: sandbox.sessionId });
    expect(run.stdout).toContain('Credentials:   CLERK_CLIENT_TOKEN');
    expect(run.stdout).toContain(`Session:       ${sandbox.sessionId} (active)`);
    expect(run.code).toBe(0);
  });

  it('says how to sign in when nobody is', async () => {
    const { env } = freshConfig();
    const run = await runCli(['whoami', ...at()], env);
    expect(run.stderr).toBe(`clerk-invitations-mcp: not signed in to ${sandbox.url}: run \`node dist/index.js login\`.\n`);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
  });
});

describe('logout', () => {
  it('ends the session at Clerk and removes the stored entry', async () => {
    const { env, store } = await signedIn();
    const { clientToken, sessionId } = store.get(sandbox.url)!;
    expect(await status(clientToken, sessionId)).toBe(200);
    const run = await runCli(['logout', ...at()], env);
    expect(run.stdout).toBe(`Signed out of ${sandbox.url}: Clerk ended the session.\nRemoved the credentials for ${sandbox.url} from ${store.path}.\n`);
    expect(run.code).toBe(0);
    expect(store.get(sandbox.url)).toBeUndefined();
    // The token no longer acts as anyone at Clerk.
    expect(await status(clientToken, sessionId)).toBe(401);
    expect(await status(clientToken, sessionId, '/v1/me/organization_memberships')).toBe(401);
    const again = await runCli(['logout', ...at()], env);
    expect(again.stdout).toBe(`Not signed in to ${sandbox.url}: nothing stored in ${store.path}.\n`);
    expect(again.code).toBe(0);
  });

  it('still forgets the entry when Clerk cannot be reached, and says the session may live on', async () => {
    const { env, store } = await signedIn();
    const gone = sandbox.url;
    await sandbox.close();
    const run = await runCli(['logout', '--frontend-api-url', gone], env);
    sandbox = await startSandbox();
    expect(run.stdout).toMatch(/Warning: could not end the session at Clerk \(could not reach Clerk .*\); it stays valid until it expires or is revoked in the Clerk Dashboard\./);
    expect(store.get(gone)).toBeUndefined();
    expect(run.code).toBe(0);
  });
});

describe('the sandbox command', () => {
  it('runs a simulator to sign in to, prints how, and stops on SIGTERM', async () => {
    const { env, store } = freshConfig();
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ticketLine = await new Promise<string>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const line = out.match(/node dist\/index\.js login --frontend-api-url (\S+) --ticket (\S+)\n/);
        if (line) resolve(line[0]);
      });
    });
    const [, url, ticket] = ticketLine.match(/--frontend-api-url (\S+) --ticket (\S+)/)!;
    expect(out).toContain('admin@sandbox.test');
    const run = await runCli(['login', '--frontend-api-url', url!, '--ticket', ticket!], env);
    expect(run.code).toBe(0);
    expect(store.get(url!)?.userId).toBe('user_sandbox_admin');
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
  });
});

describe('the server with a stored sign-in (built bin over stdio)', () => {
  async function connectBin(env: Record<string, string>): Promise<Client> {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...env, CLERK_FRONTEND_API_URL: sandbox.url }, stderr: 'pipe' });
    transport.stderr?.on('data', () => undefined);
    client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  it('acts as the stored user, writes rotated tokens back, and lists the organizations as a resource', async () => {
    const { env, store } = await signedIn();
    const before = store.get(sandbox.url)!;
    const mcp = await connectBin(env);
    const created = await mcp.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_sandbox', email_address: 'new.person@example.com', role: 'org:basic_member' } });
    expect(created.isError).toBeFalsy();
    // Every successful POST rotates the sandbox's token: the file soon holds the new one (written
    // back in the background), and it works.
    const after = await vi.waitFor(() => {
      const entry = store.get(sandbox.url)!;
      expect(entry.clientToken).not.toBe(before.clientToken);
      return entry;
    });
    expect(after).toMatchObject({ sessionId: before.sessionId, userId: 'user_sandbox_admin', savedAt: before.savedAt });
    expect(await status(after.clientToken, after.sessionId)).toBe(200);
    const resource = await mcp.readResource({ uri: 'clerk://organizations' });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toEqual({
      organizations: [{ id: 'org_sandbox', name: 'Sandbox Inc', slug: 'sandbox-inc', role: 'org:admin' }],
      note: 'The user also belongs to 1 organization(s) without permission to manage members; they are not listed.',
    });
  });

  it('exchanges CLERK_SIGN_IN_TICKET at start and saves the sign-in', async () => {
    const { env, store } = freshConfig();
    const mcp = await connectBin({ ...env, CLERK_SIGN_IN_TICKET: sandbox.issueSignInTicket('user_sandbox_mfa') });
    const listed = await mcp.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox' } });
    expect(listed.isError).toBeFalsy();
    expect(store.get(sandbox.url)).toMatchObject({ userId: 'user_sandbox_mfa', email: 'mfa@sandbox.test', ticketSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
