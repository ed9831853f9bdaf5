import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/simulator.js';
import { connect, text, type Connected } from '../helpers/connect.js';
import { clerkErrors, envelope, invitation, startFakeClerk, type FakeClerk, type Reply } from '../helpers/fake-clerk.js';

let fake: FakeClerk | undefined;
let sandbox: Sandbox | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  await sandbox?.close();
  mcp = fake = sandbox = undefined;
});

const list = { organization_id: 'org_1' };

describe('the cap on requests in flight to Clerk', () => {
  it('holds at most CLERK_MAX_CONCURRENCY requests in flight, and answers every call', async () => {
    fake = await startFakeClerk((req) => ({ json: envelope({ data: [invitation({ organization_id: req.path.split('/')[3] })], total_count: 1 }), delayMs: 20 }));
    mcp = await connect({ baseUrl: fake.url, maxConcurrency: 4 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => mcp!.call('getOrganizationInvitations', { organization_id: `org_${i}` })));
    results.forEach((result, i) => expect((result.structuredContent as { data: { organization_id: string }[] }).data[0]?.organization_id).toBe(`org_${i}`));
    expect(fake.peakInFlight).toBeLessThanOrEqual(4);
    expect(fake.peakInFlight).toBeGreaterThan(1);
  });

  it('lets a call cancelled while it waits for a slot leave without sending anything', async () => {
    fake = await startFakeClerk(() => ({ hang: true }));
    mcp = await connect({ baseUrl: fake.url, maxConcurrency: 1, timeoutMs: 60_000 });
    const first = new AbortController();
    const second = new AbortController();
    const calls = [mcp.call('getOrganizationInvitations', list, { signal: first.signal }), mcp.call('getOrganizationInvitations', list, { signal: second.signal })];
    await expect.poll(() => fake!.requests.length).toBe(1);
    second.abort();
    await expect(calls[1]).rejects.toThrow();
    expect(mcp.clerk.load).toEqual({ inFlight: 1, queued: 0 });
    first.abort();
    await expect(calls[0]).rejects.toThrow();
    await expect.poll(() => mcp!.clerk.load.inFlight).toBe(0);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('token rotation under concurrency', () => {
  it('sends writes one at a time, so that concurrent invitations all pass a Clerk that rotates on every write', async () => {
    sandbox = await startSandbox();
    mcp = await connect({ baseUrl: sandbox.url, clientToken: sandbox.clientToken, sessionId: sandbox.sessionId });
    const creates = await Promise.all(
      Array.from({ length: 10 }, (_, i) => mcp!.call('createOrganizationInvitations', { organization_id: 'org_sandbox', email_address: `parallel${i}@example.com`, role: 'org:basic_member' })),
    );
    expect(creates.filter((r) => r.isError).map(text)).toEqual([]);
    const pending = await mcp.call('getOrganizationInvitations', { organization_id: 'org_sandbox', status: 'pending', limit: 100 });
    expect((pending.structuredContent as { total_count: number }).total_count).toBe(12);
  });

  it('retries a read that a concurrent write made stale, with the token the write rotated in', async () => {
    // Only the current token is valid. The read is sent with token_0 and judged only after the
    // write, sent with the same token, has rotated it to token_1: it is stale, answered 401 with a
    // new client's token, as the sandbox does.
    let current = 'token_0';
    let rotated = (): void => undefined;
    const writeDone = new Promise<void>((resolve) => (rotated = resolve));
    fake = await startFakeClerk((req): Reply => {
      const token = String(req.headers.authorization).replace('Bearer ', '');
      if (req.method === 'POST') {
        current = 'token_1';
        rotated();
        return { json: envelope(invitation()), headers: { authorization: current } };
      }
      const judge = (res: ServerResponse): void => {
        const stale = token !== current;
        res.writeHead(stale ? 401 : 200, { 'content-type': 'application/json', authorization: stale ? 'token_of_a_new_client' : current });
        res.end(JSON.stringify(stale ? clerkErrors({ code: 'signed_out' }) : envelope({ data: [], total_count: 0 })));
      };
      return { until: writeDone, respond: judge };
    });
    mcp = await connect({ baseUrl: fake.url, clientToken: 'token_0' });
    const read = mcp.call('getOrganizationInvitations', list);
    await expect.poll(() => fake!.requests.length).toBe(1);
    const write = await mcp.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: 'w@example.com', role: 'org:admin' });
    expect(write.isError).toBeFalsy();
    expect((await read).isError).toBeFalsy();
    expect(fake.requests.map((r) => [r.method, r.headers.authorization])).toEqual([
      ['GET', 'Bearer token_0'],
      ['POST', 'Bearer token_0'],
      ['GET', 'Bearer token_1'],
    ]);
  });

  it('keeps the newer token when an answer sent with an older one arrives last', async () => {
    // Rotates like the sandbox: every write mints a new token, only the current one is accepted,
    // and every answer carries the token current when it was made.
    let tokens = { current: 'token_0' };
    let minted = 0;
    let releaseSlowRead = (): void => undefined;
    const slowRead = new Promise<void>((resolve) => (releaseSlowRead = resolve));
    fake = await startFakeClerk((req, hit): Reply => {
      const token = String(req.headers.authorization).replace('Bearer ', '');
      if (token !== tokens.current) return { status: 401, json: clerkErrors({ code: 'authentication_invalid' }) };
      if (req.method === 'POST') tokens = { current: `token_${++minted}` };
      const reply = { json: envelope(req.method === 'POST' ? invitation() : []), headers: { authorization: tokens.current } };
      return hit === 1 ? { ...reply, until: slowRead } : reply;
    });
    mcp = await connect({ baseUrl: fake.url, clientToken: 'token_0' });
    const read = mcp.call('getAllPendingOrganizationInvitations', list); // answered last, carrying token_0
    await expect.poll(() => fake!.requests.length).toBe(1);
    const create = (n: number) => mcp!.call('createOrganizationInvitations', { organization_id: 'org_1', email_address: `p${n}@example.com`, role: 'org:admin' });
    expect((await create(1)).isError).toBeFalsy();
    expect((await create(2)).isError).toBeFalsy();
    releaseSlowRead();
    expect((await read).isError).toBeFalsy();
    expect(mcp.clerk.clientToken).toBe('token_2');
    const after = await mcp.call('getAllPendingOrganizationInvitations', list);
    expect(text(after)).not.toContain('authentication_invalid');
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer token_2');
  });
});
