import { PassThrough } from 'node:stream';
import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/engine/load.js';
import { ClerkClient } from '../src/clerk/client.js';
import { createClerkServer } from '../src/cli/serve.js';
import { StdioTransport } from '../src/mcp/stdio.js';
import { envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';
import { testSettings } from './helpers/connect.js';
import { startRawServer, type Message, type RawServer } from './helpers/raw-server.js';

// A 2026-07-28 client asks the person itself and calls again with the answer and the server's
// signed requestState. These tests play that client by hand, line by line, and send back states
// that were tampered with, have expired, or belong to another call.

/** The per-request envelope of a 2026-07-28 client that can show forms. */
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'by-hand', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};
const YES = { confirm: { action: 'accept', content: { confirm: true } } };

interface Lines {
  send(message: object): void;
  answer(id: number): Promise<Message & { result?: { resultType?: string; requestState?: string; inputRequests?: Record<string, { params: { message: string } }> } }>;
}

let nextId = 1;
/** tools/call in the 2026-07-28 era, optionally a retry with answers and a state. */
async function call(lines: Lines, name: string, args: Record<string, unknown>, retry: { requestState?: string | undefined; inputResponses?: object } = {}) {
  const id = nextId++;
  lines.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...retry, _meta: META } });
  return lines.answer(id);
}

const ORG = 'org_sandbox';
const ALICE = { organization_id: ORG, invitation_id: 'orginv_sandboxalice000000000000000' };
const BOB = { organization_id: ORG, invitation_id: 'orginv_sandboxbob00000000000000000' };
const REVOKE = 'revokePendingOrganizationInvitation';
const BULK = 'bulkCreateOrganizationInvitations';

describe('confirmation state in the 2026-07-28 era (the built bin, --sandbox, raw JSON-RPC lines)', () => {
  let bin: RawServer | undefined;
  afterEach(async () => {
    bin?.child.stdin.end();
    await bin?.exited;
    bin = undefined;
  });

  it('refuses a tampered state, a state given for other arguments or another tool, and a yes without a state; sends only on a genuine yes', async () => {
    bin = startRawServer({}, ['--sandbox']);
    const lines: Lines = { send: (m) => bin!.send(m), answer: (id) => bin!.answer(id) };
    // A 2026-07-28 client opens with server/discover.
    bin.send({ jsonrpc: '2.0', id: 'discover', method: 'server/discover', params: { _meta: META } });
    const discovered = (await bin.answer('discover')).result as unknown as { supportedVersions: string[]; capabilities: object; instructions: string };
    expect(discovered.supportedVersions).toContain('2026-07-28');
    expect(discovered.capabilities).toMatchObject({ tools: {}, resources: {} });
    expect(discovered.instructions).toContain('clerk://organizations');
    const pending = async (): Promise<string[]> => {
      const list = (await call(lines, 'getAllPendingOrganizationInvitations', { organization_id: ORG })).result?.structuredContent as { data: { email_address: string }[] };
      return list.data.map((i) => i.email_address).sort();
    };
    const before = await pending();
    expect(before).toEqual(['alice@example.com', 'bob@example.com']);

    const asked = await call(lines, REVOKE, ALICE);
    expect(asked.result?.resultType).toBe('input_required');
    expect(asked.result?.inputRequests?.confirm?.params.message).toContain('Invitation for "alice@example.com", role "org:member"');
    expect(asked.result?.inputRequests?.confirm?.params.message).toContain('Organization "Sandbox Inc" ("org_sandbox")');
    const state = asked.result?.requestState ?? '';
    expect(state).not.toBe('');

    // One character changed in the signed body: refused before the tool runs.
    const [version, body = '', mac] = state.split('.');
    const tampered = `${version}.${body.slice(0, -1)}${body.endsWith('A') ? 'B' : 'A'}.${mac}`;
    expect((await call(lines, REVOKE, ALICE, { requestState: tampered, inputResponses: YES })).error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
    expect((await call(lines, REVOKE, ALICE, { requestState: 'not-a-state', inputResponses: YES })).error).toMatchObject({ code: -32602 });

    // Genuine, but given for Alice's invitation: not good for Bob's.
    const otherArgs = await call(lines, REVOKE, BOB, { requestState: state, inputResponses: YES });
    expect(otherArgs.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('was given for another call (another tool or other arguments). Nothing was sent to Clerk.') }] });

    // Genuine, but given for a bulk create: not good for a revoke.
    const bulkArgs = { organization_id: ORG, email_address: ['ana@example.com'], role: 'org:member' };
    const bulkState = (await call(lines, BULK, bulkArgs)).result?.requestState;
    expect(bulkState).toBeTypeOf('string');
    const otherTool = await call(lines, REVOKE, ALICE, { requestState: bulkState, inputResponses: YES });
    expect(otherTool.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('given for another call') }] });

    // A yes without the server's state is no answer to a question: the question comes again.
    expect((await call(lines, REVOKE, ALICE, { inputResponses: YES })).result?.resultType).toBe('input_required');
    // The person said no.
    const declined = await call(lines, REVOKE, ALICE, { requestState: state, inputResponses: { confirm: { action: 'decline' } } });
    expect(declined.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('the user declined. Nothing was sent to Clerk.') }] });

    expect(await pending()).toEqual(before);
    // The same state sent again with a yes: the no stands (each question is answered once).
    const overruled = await call(lines, REVOKE, ALICE, { requestState: state, inputResponses: YES });
    expect(overruled.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('this confirmation was already answered') }] });
    expect(await pending()).toEqual(before);

    // A fresh question, answered yes: revoked, once.
    const again = (await call(lines, REVOKE, ALICE)).result?.requestState ?? '';
    const revoked = await call(lines, REVOKE, ALICE, { requestState: again, inputResponses: YES });
    expect(revoked.result?.isError).toBeFalsy();
    expect(revoked.result?.structuredContent).toMatchObject({ id: ALICE.invitation_id, status: 'revoked' });
    expect(await pending()).toEqual(['bob@example.com']);
  });
});

describe('confirmation state in the 2026-07-28 era (in process: the SDK stdio entry on the project transport)', () => {
  let fake: FakeClerk | undefined;
  let handle: StdioServerHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    fake = handle = undefined;
  });

  /** The server as the bin serves it, on in-memory streams, with a 1 s confirmation limit, in front of a fake Clerk. */
  async function serveInProcess(): Promise<Lines> {
    fake = await startFakeClerk((req) => {
      if (req.method === 'GET' && req.path === '/v1/organizations/org_1/invitations') return { json: envelope({ data: [invitation({ id: 'orginv_9' })], total_count: 1 }) };
      return { json: envelope(req.method === 'GET' ? { data: [], total_count: 0 } : invitation({ id: 'orginv_9', status: 'revoked' })) };
    });
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url }));
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const answers = new Map<number, Message>();
    let rest = '';
    stdout.on('data', (c: Buffer) => {
      const parts = (rest + c.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        const m = JSON.parse(line) as Message;
        if (typeof m.id === 'number') answers.set(m.id, m);
      }
    });
    handle = serveStdio(() => createClerkServer({ capability: loadCapability(), clerk, confirmTimeoutMs: 1_000 }), { transport: new StdioTransport(stdin, stdout) });
    return {
      send: (m) => void stdin.write(`${JSON.stringify(m)}\n`),
      answer: async (id) => {
        await expect.poll(() => answers.has(id), { timeout: 10_000 }).toBe(true);
        return answers.get(id)!;
      },
    };
  }

  const writes = (): string[] => (fake?.requests ?? []).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  it('refuses a yes that comes back after the state expired, and sends nothing', async () => {
    const lines = await serveInProcess();
    const args = { organization_id: 'org_1', invitation_id: 'orginv_9' };
    const state = (await call(lines, REVOKE, args)).result?.requestState;
    expect(state).toBeTypeOf('string');
    // The state holds for the confirmation limit (1 s here, counted in whole seconds): wait past it.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await call(lines, REVOKE, args, { requestState: state, inputResponses: YES })).error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
    expect(writes()).toEqual([]);

    // A fresh question, answered in time, goes through: the refusal was the expiry.
    const fresh = (await call(lines, REVOKE, args)).result?.requestState;
    expect((await call(lines, REVOKE, args, { requestState: fresh, inputResponses: YES })).result?.isError).toBeFalsy();
    expect(writes()).toEqual(['POST /v1/organizations/org_1/invitations/orginv_9/revoke']);
  });

  it('acts on one yes once: the same state and answer sent again send nothing', async () => {
    const lines = await serveInProcess();
    const args = { organization_id: 'org_1', invitation_id: 'orginv_9' };
    const state = (await call(lines, REVOKE, args)).result?.requestState;
    expect((await call(lines, REVOKE, args, { requestState: state, inputResponses: YES })).result?.isError).toBeFalsy();
    const replayed = await call(lines, REVOKE, args, { requestState: state, inputResponses: YES });
    expect(replayed.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('this confirmation was already answered (each question is answered once)') }] });
    expect(writes()).toEqual(['POST /v1/organizations/org_1/invitations/orginv_9/revoke']);
  });

  it('binds the state to the exact arguments, whatever their key order', async () => {
    const lines = await serveInProcess();
    const state = (await call(lines, REVOKE, { organization_id: 'org_1', invitation_id: 'orginv_9' })).result?.requestState;
    const refused = await call(lines, REVOKE, { organization_id: 'org_1', invitation_id: 'orginv_8' }, { requestState: state, inputResponses: YES });
    expect(refused.result?.isError).toBe(true);
    expect(writes()).toEqual([]);
    const reordered = await call(lines, REVOKE, { invitation_id: 'orginv_9', organization_id: 'org_1' }, { requestState: state, inputResponses: YES });
    expect(reordered.result?.isError).toBeFalsy();
    expect(writes()).toEqual(['POST /v1/organizations/org_1/invitations/orginv_9/revoke']);
  });
});
