import { PassThrough } from 'node:stream';
import { Client, InMemoryTransport, type CallToolResult, type ClientOptions } from '@modelcontextprotocol/client';
import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { ClerkClient } from '../src/clerk/client.js';
import { createClerkServer } from '../src/cli/serve.js';
import { loadCapability } from '../src/engine/load.js';
import type { SignInOffer, SignInPage } from '../src/mcp/sign-in-step.js';
import { StdioTransport } from '../src/mcp/stdio.js';
import { testSettings } from './helpers/connect.js';
import { clerkErrors, envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';
import { ClerkApiError } from '../src/clerk/errors.js';
import type { Message } from './helpers/raw-server.js';

// How calls wait on the sign-in page, with the real SDK client and server in memory and a fake
// Clerk; the page is a stand-in the test finishes (the real page's flow is web-login-client's).

/** A sign-in offer whose pages the test completes; `signedIn` flips what needed() says. */
function standInOffer(progressEveryMs?: number) {
  const opened: { finish: (done: boolean) => void }[] = [];
  const state = { signedIn: false };
  const offer: SignInOffer = {
    needed: () => !state.signedIn,
    message: 'Sign in',
    howTo: 'Sign in otherwise.',
    ended: () => false,
    ...(progressEveryMs ? { progressEveryMs } : {}),
    open: async (): Promise<SignInPage> => {
      let finish: (done: boolean) => void = () => undefined;
      const finished = new Promise<boolean>((resolve) => (finish = resolve));
      opened.push({ finish });
      // As the real page: closing it ends it unfinished (the server no longer closes it, but must not).
      const page = { url: `http://127.0.0.1:1/page${opened.length}`, finished, close: () => finish(false) };
      return page;
    },
  };
  const signIn = (): void => {
    state.signedIn = true;
    for (const page of opened) page.finish(true);
  };
  return { offer, opened, signIn, state };
}

let fake: FakeClerk;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await fake?.close();
});

type Era = '2025-11-25' | '2026-07-28';
const ERAS: Record<Era, Pick<ClientOptions, 'versionNegotiation' | 'supportedProtocolVersions'>> = {
  '2025-11-25': { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
  '2026-07-28': { versionNegotiation: { mode: { pin: '2026-07-28' } } },
};

async function connectTo(offer: SignInOffer, era: Era = '2025-11-25'): Promise<{ client: Client; asked: string[] }> {
  fake = await startFakeClerk(() => ({ json: envelope({ data: [invitation()], total_count: 1 }) }));
  const clerk = new ClerkClient(testSettings({ baseUrl: fake.url }));
  const server = createClerkServer({ capability: loadCapability(), clerk, signIn: offer });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const asked: string[] = [];
  client = new Client({ name: 'sign-in-step', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, ...ERAS[era] });
  // A client that opens the URL and answers at once ("the user went there").
  client.setRequestHandler('elicitation/create', (request) => {
    if (request.params.mode === 'url') asked.push(request.params.url);
    return { action: 'accept' };
  });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return { client, asked };
}

const LIST = { name: 'getOrganizationInvitations', arguments: { organization_id: 'org_1' } };

describe('waiting on the sign-in page', () => {
  it('keeps the page when the client gives up on the call (its request timeout), and the call made again finds the sign-in done without a second page', async () => {
    const { offer, opened, signIn } = standInOffer();
    const { client, asked } = await connectTo(offer);
    // The client's timeout (60 s by default; short here) cancels the call while the user is on the page.
    await expect(client.callTool(LIST, { timeout: 300 })).rejects.toThrow(/timed out/i);
    expect(opened).toHaveLength(1);
    // The page is still in flight for the next call: the same one is offered, not a new one.
    const again = client.callTool(LIST, { timeout: 10_000 }) as Promise<CallToolResult>;
    await expect.poll(() => asked.length).toBe(2);
    expect(asked[1]).toBe(asked[0]);
    signIn();
    const result = await again;
    expect(result.isError).toBeFalsy();
    expect(opened).toHaveLength(1);
  });

  it('sends progress while waiting when the client asked for it, so a client resetting its timeout on progress keeps waiting', async () => {
    const { offer, signIn } = standInOffer(100);
    const { client } = await connectTo(offer);
    let progress = 0;
    const call = client.callTool(LIST, { timeout: 400, resetTimeoutOnProgress: true, onprogress: () => void (progress += 1) }) as Promise<CallToolResult>;
    // Three client timeouts' worth of waiting.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    signIn();
    expect((await call).isError).toBeFalsy();
    expect(progress).toBeGreaterThanOrEqual(3);
  });

  it('opens one page for parallel calls, and all of them return once the user has signed in there', async () => {
    const { offer, opened, signIn } = standInOffer();
    const { client, asked } = await connectTo(offer);
    const calls = [client.callTool(LIST, { timeout: 10_000 }), client.callTool(LIST, { timeout: 10_000 })] as Promise<CallToolResult>[];
    await expect.poll(() => asked.length).toBe(2);
    expect(opened).toHaveLength(1);
    expect(new Set(asked).size).toBe(1);
    signIn();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.isError ?? false)).toEqual([false, false]);
  });

  it('stops waiting when a sign-in arrives another way, the page left unfinished', async () => {
    const { offer, state } = standInOffer();
    const { client, asked } = await connectTo(offer);
    const call = client.callTool(LIST, { timeout: 10_000 }) as Promise<CallToolResult>;
    await expect.poll(() => asked.length).toBe(1);
    // E.g. `login` in a terminal: the credentials file has a sign-in now.
    state.signedIn = true;
    expect((await call).isError).toBeFalsy();
  });
  it('stops waiting for a client that holds its answer until the page is done, when a sign-in arrives another way', async () => {
    const { offer, state } = standInOffer();
    fake = await startFakeClerk(() => ({ json: envelope({ data: [], total_count: 0 }) }));
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url }));
    const server = createClerkServer({ capability: loadCapability(), clerk, signIn: offer });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const asked: string[] = [];
    client = new Client({ name: 'sign-in-step', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, ...ERAS['2025-11-25'] });
    // Answers only when the server withdraws the question.
    client.setRequestHandler('elicitation/create', (request, ctx) => {
      asked.push(request.params.mode === 'url' ? request.params.url : '');
      return new Promise((resolve) => ctx.mcpReq.signal.addEventListener('abort', () => resolve({ action: 'cancel' })));
    });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const call = client.callTool(LIST, { timeout: 10_000 }) as Promise<CallToolResult>;
    await expect.poll(() => asked.length).toBe(1);
    state.signedIn = true;
    expect((await call).isError).toBeFalsy();
  });
});

describe('sign-in request state (2026-07-28, by hand)', () => {
  let handle: StdioServerHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  /** The server in this process on stdio streams, and a 2026-07-28 client played by hand. */
  function serveByHand(offer: SignInOffer) {
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url }));
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const answers = new Map<number, Message>();
    let rest = '';
    stdout.on('data', (c: Buffer) => {
      const parts = (rest + c.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) answers.set((JSON.parse(line) as { id: number }).id, JSON.parse(line) as Message);
    });
    handle = serveStdio(() => createClerkServer({ capability: loadCapability(), clerk, signIn: offer }), { transport: new StdioTransport(stdin, stdout) });
    const META = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'by-hand', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } },
    };
    const send = (id: number, name: string, extra: object = {}): void =>
      void stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { organization_id: 'org_1' }, ...extra, _meta: META } })}\n`);
    const answer = async (id: number) => {
      await expect.poll(() => answers.has(id), { timeout: 10_000 }).toBe(true);
      return answers.get(id) as Message & { result?: { resultType?: string; requestState?: string; isError?: boolean; content?: unknown } };
    };
    return { send, answer, has: (id: number) => answers.has(id), call: (id: number, name: string, extra: object = {}) => (send(id, name, extra), answer(id)) };
  }

  it('refuses a sign-in state sent back for another tool, and sends nothing to Clerk', async () => {
    fake = await startFakeClerk(() => ({ json: envelope({ data: [], total_count: 0 }) }));
    const { offer, signIn } = standInOffer();
    const { call } = serveByHand(offer);
    const asked = await call(1, 'getOrganizationInvitations');
    expect(asked.result?.resultType).toBe('input_required');
    signIn();
    const accepted = { requestState: asked.result?.requestState, inputResponses: { signIn: { action: 'accept' } } };
    const replayed = await call(2, 'revokePendingOrganizationInvitation', { ...accepted, arguments: { organization_id: 'org_1', invitation_id: 'orginv_1' } });
    expect(replayed.result?.isError).toBe(true);
    expect(JSON.stringify(replayed.result?.content)).toContain('made for another tool');
    expect(fake.requests).toEqual([]);
    // The same state for the tool it was made for goes on.
    const genuine = await call(3, 'getOrganizationInvitations', accepted);
    expect(genuine.result?.isError).toBeFalsy();
  });

  it('ends the wait of a call made again when a sign-in arrives another way, the page left unfinished', async () => {
    fake = await startFakeClerk(() => ({ json: envelope({ data: [], total_count: 0 }) }));
    const { offer, state } = standInOffer();
    const { call, send, answer, has } = serveByHand(offer);
    const asked = await call(1, 'getOrganizationInvitations');
    expect(asked.result?.resultType).toBe('input_required');
    send(2, 'getOrganizationInvitations', { requestState: asked.result?.requestState, inputResponses: { signIn: { action: 'accept' } } });
    // Waiting on the page.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(has(2)).toBe(false);
    state.signedIn = true;
    expect((await answer(2)).result?.isError).toBeFalsy();
  });
});

describe('a confirmed call whose stored sign-in had ended', () => {
  it('is not run for whoever signs in on the page: nothing more is sent, and the agent is told to call again (2025-11-25, one call)', async () => {
    // Clerk refuses the revoke as signed out (nothing done); the reads for the question work.
    fake = await startFakeClerk((request) => (request.method === 'POST' ? { status: 401, json: clerkErrors({ code: 'signed_out', long_message: 'You are signed out.' }) } : { json: envelope(invitation()) }));
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url }));
    const { offer, signIn } = standInOffer();
    const signedIn: SignInOffer = { ...offer, needed: () => false, ended: (error) => error instanceof ClerkApiError && error.status === 401 };
    const server = createClerkServer({ capability: loadCapability(), clerk, signIn: signedIn });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'sign-in-step', version: '1.0.0' }, { capabilities: { elicitation: { form: {}, url: {} } }, ...ERAS['2025-11-25'] });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push(request.params.mode ?? 'form');
      // The user confirms, then (on the page) signs in — possibly as another account.
      if (request.params.mode === 'url') {
        signIn();
        return { action: 'accept' };
      }
      return { action: 'accept', content: { confirm: true } };
    });
    await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
    const result = (await client.callTool({ name: 'revokePendingOrganizationInvitation', arguments: { organization_id: 'org_1', invitation_id: 'orginv_1' } })) as CallToolResult;
    expect(asked).toEqual(['form', 'url']);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('was not run: the sign-in had ended');
    // One revoke reached Clerk (refused as signed out); none was sent for the account signed in afterwards.
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
