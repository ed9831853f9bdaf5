import { Client, type CallToolResult, type ClientCapabilities, type ClientOptions, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PASSWORD, startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { answer, HANG_MS, launchChromium, pick, screenshots } from './helpers/browser.js';
import { BIN, freshConfig, runCli } from './helpers/cli.js';

// Sign-in from inside the MCP client: the built server over stdio, with no stored sign-in and the
// sandbox as its Clerk (CLERK_FRONTEND_API_URL); the client's elicitation handler gets the page's
// URL, headless Chromium signs in there, and the tool call that asked returns its result.

const ERAS: Record<string, Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};

let browser: BrowserContext;
let sandbox: Sandbox;
let client: Client | undefined;
// Sign-ins done in the background (answerAtOnce): each test awaits its own.
const background: Promise<void>[] = [];
beforeAll(async () => {
  browser = await launchChromium();
}, HANG_MS);
afterAll(() => browser.close());
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await sandbox.close();
});

/** Signs in as the admin with a password on the page at `url`, with a screenshot of each step. */
async function signInOnPage(url: string, name: string): Promise<void> {
  const page = await browser.newPage();
  const shot = screenshots(page, name);
  await page.goto(url);
  await shot('identifier');
  await answer(page, 'admin@sandbox.test');
  await page.getByText('How do you want to sign in?').waitFor();
  await pick(page, 'password');
  await page.getByText('Password').first().waitFor();
  await answer(page, SANDBOX_PASSWORD);
  await page.getByText('Signed in as admin@sandbox.test').waitFor();
  await shot('signed-in');
  await page.close();
}

/** The server with no sign-in (or `config`'s), and a client of `era` declaring `elicitation`; URL elicitations are signed in through Chromium. */
async function connect(era: string, elicitation: ClientCapabilities['elicitation'], { answerAtOnce = false, config = freshConfig() } = {}) {
  const { env, store } = config;
  const asked: ElicitRequest['params'][] = [];
  const completed: string[] = [];
  client = new Client({ name: 'web-login', version: '1.0.0' }, { capabilities: elicitation ? { elicitation } : {}, ...ERAS[era] });
  if (elicitation) {
    client.setRequestHandler('elicitation/create', async (request): Promise<ElicitResult> => {
      asked.push(request.params);
      // The confirmation a revoke asks for (form mode): yes.
      if (request.params.mode !== 'url') return { action: 'accept', content: { confirm: true } };
      const signingIn = signInOnPage(request.params.url, `in-client-${era}${answerAtOnce ? '-answered-at-once' : ''}`);
      // As a client that only opens the page: "accept" says the user went there, not that they are done.
      if (answerAtOnce) background.push(signingIn);
      else await signingIn;
      return { action: 'accept' };
    });
    client.setNotificationHandler('notifications/elicitation/complete', (n) => void completed.push(n.params.elicitationId));
  }
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...env, CLERK_FRONTEND_API_URL: sandbox.url }, stderr: 'pipe' });
  await client.connect(transport);
  expect(client.getNegotiatedProtocolVersion()).toBe(era);
  return { client, asked, completed, store };
}

const listInvitations = (c: Client) => c.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox' } }, { timeout: 4 * HANG_MS }) as Promise<CallToolResult>;

describe('a tool called with no sign-in', { timeout: 6 * HANG_MS }, () => {
  it('sends a 2025-11-25 client that declares URL elicitation to the sign-in page, then returns the invitations', async () => {
    const { client, asked, completed, store } = await connect('2025-11-25', { url: {} });
    const result = await listInvitations(client);
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { total_count: number }).total_count).toBeGreaterThan(0);
    expect(JSON.stringify(result.structuredContent)).toContain('org_sandbox');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ mode: 'url', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{43}$/), message: expect.stringContaining(`Sign in to Clerk (${sandbox.url})`) });
    // The page's completion was announced for this very elicitation.
    expect(completed).toEqual([(asked[0] as { elicitationId: string }).elicitationId]);
    expect(store.get(sandbox.url)).toMatchObject({ userId: 'user_sandbox_admin' });
    // Signed in now: the next call asks nothing.
    expect((await listInvitations(client)).isError).toBeFalsy();
    expect(asked).toHaveLength(1);
  });

  it('sends a 2026-07-28 client an input_required URL request, then returns the invitations when it calls again', async () => {
    const { client, asked, store } = await connect('2026-07-28', { url: {} });
    const result = await listInvitations(client);
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain('org_sandbox');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ mode: 'url', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/[\w-]{43}$/) });
    // Embedded in input_required, which has no elicitationId (a 2025-era push would carry one).
    expect(asked[0]).not.toHaveProperty('elicitationId');
    expect(store.get(sandbox.url)).toMatchObject({ userId: 'user_sandbox_admin' });
  });

  it.each(['2025-11-25', '2026-07-28'])('waits for the page when a %s client accepts at once (it only opened the page), then returns the invitations', async (era) => {
    const { client, asked, store } = await connect(era, { url: {} }, { answerAtOnce: true });
    const result = await listInvitations(client);
    // The browser got to the end of the sign-in: the page said "Signed in".
    await Promise.all(background.splice(0));
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain('org_sandbox');
    expect(asked).toHaveLength(1);
    expect(store.get(sandbox.url)).toMatchObject({ userId: 'user_sandbox_admin' });
  });

  it.each(['2025-11-25', '2026-07-28'])('signs a %s client in first, then asks to confirm a revoke, then revokes', async (era) => {
    const { client, asked } = await connect(era, { form: {}, url: {} });
    const result = (await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: 'org_sandbox', invitation_id: 'orginv_sandboxalice000000000000000' } }, { timeout: 4 * HANG_MS })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ id: 'orginv_sandboxalice000000000000000', status: 'revoked' });
    expect(asked.map((p) => p.mode ?? 'form')).toEqual(['url', 'form']);
  });

  it.each(['2025-11-25', '2026-07-28'])('answers a %s client that cannot open a URL with the error, which names login --web', async (era) => {
    const { client, asked, store } = await connect(era, { form: {} });
    const result = await listInvitations(client);
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toContain(`sign in in a browser with \`node ${BIN} login --web --frontend-api-url ${sandbox.url}\``);
    expect(asked).toEqual([]);
    expect(store.get(sandbox.url)).toBeUndefined();
  });

  it('says so when the user declines to open the page, and runs nothing', async () => {
    const { env } = freshConfig();
    client = new Client({ name: 'web-login', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, ...ERAS['2025-11-25'] });
    client.setRequestHandler('elicitation/create', () => ({ action: 'decline' }));
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...env, CLERK_FRONTEND_API_URL: sandbox.url }, stderr: 'pipe' }));
    const result = await listInvitations(client);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/getOrganizationInvitations was not run: the user did not open the sign-in page\. .*login --web/);
  });
});

describe('a tool called with a stored sign-in whose session has ended', { timeout: 6 * HANG_MS }, () => {
  /** Signed in with a ticket, then signed out with the same token elsewhere: Clerk no longer knows the stored token's session. */
  async function endedSignIn(): Promise<ReturnType<typeof freshConfig> & { stale: string }> {
    const config = freshConfig();
    expect((await runCli(['login', '--frontend-api-url', sandbox.url, '--ticket', sandbox.issueSignInTicket()], config.env)).code).toBe(0);
    const stale = config.store.get(sandbox.url)!.clientToken;
    expect((await fetch(`${sandbox.url}/v1/client?_is_native=1`, { method: 'DELETE', headers: { authorization: `Bearer ${stale}` } })).status).toBe(200);
    return { ...config, stale };
  }

  it.each(['2025-11-25', '2026-07-28'])('sends a %s client to the sign-in page, then runs a read once signed in', async (era) => {
    const { stale, ...config } = await endedSignIn();
    const { client, asked, store } = await connect(era, { url: {} }, { config });
    const result = await listInvitations(client);
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain('org_sandbox');
    expect(asked.map((p) => p.mode)).toEqual(['url']);
    expect(store.get(sandbox.url)?.clientToken).not.toBe(stale);
  });

  it('runs a write again after the sign-in (Clerk refused it as signed out: it was not done)', async () => {
    const { env, store } = await endedSignIn();
    const { client, asked } = await connect('2025-11-25', { url: {} }, { config: { env, store } });
    const created = (await client.callTool({ name: 'createOrganizationInvitations', arguments: { organization_id: 'org_sandbox', email_address: 'after-sign-in@example.com', role: 'org:member' } }, { timeout: 4 * HANG_MS })) as CallToolResult;
    expect(created.isError).toBeFalsy();
    expect(asked.map((p) => p.mode)).toEqual(['url']);
    const listed = JSON.stringify((await listInvitations(client)).structuredContent);
    // Created exactly once.
    expect(listed.split('after-sign-in@example.com').length - 1).toBe(1);
  });

  it('answers a client that cannot open a URL with an error naming login --web', async () => {
    const { env, store } = await endedSignIn();
    const { client, asked } = await connect('2025-11-25', { form: {} }, { config: { env, store } });
    const result = await listInvitations(client);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain(`\`node ${BIN} login --web --frontend-api-url ${sandbox.url}\` in a browser`);
    expect(asked).toEqual([]);
  });
});
