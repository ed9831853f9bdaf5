import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, text, type Connected } from '../helpers/connect.js';
import { CLIENT_TOKEN, SESSION_JWT, clerkErrors, envelope, invitation, startFakeClerk, type FakeClerk, type Handler, type Reply } from '../helpers/fake-clerk.js';
import { recordFigure } from '../helpers/figures.js';
import { PUBLISHABLE_KEY, leakedSecrets } from '../helpers/secrets.js';

let fake: FakeClerk | undefined;
let mcp: Connected | undefined;
afterEach(async () => {
  await mcp?.close();
  mcp = fake = undefined;
});

async function setUp(handler: Handler, settings: Record<string, unknown> = {}): Promise<{ fake: FakeClerk; mcp: Connected }> {
  fake = await startFakeClerk(handler);
  mcp = await connect({ baseUrl: fake.url, publishableKey: PUBLISHABLE_KEY, ...settings });
  return { fake, mcp };
}

const MiB = 1024 * 1024;
// Every body the fakes send carries the secrets, so that an error quoting a body would show it.
const SECRETS = `${CLIENT_TOKEN} ${SESSION_JWT} ${PUBLISHABLE_KEY}`;
const list = ['getOrganizationInvitations', { organization_id: 'org_1' }] as const;
const create = ['createOrganizationInvitations', { organization_id: 'org_1', email_address: 'a@example.com', role: 'org:admin' }] as const;

/** Writes `total` bytes of a JSON-looking body in 64 KiB chunks, minding back-pressure; `sent()` says how many left. */
function hugeBody(total: number, withLength: boolean): { reply: Reply; sent: () => number } {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const respond = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(total) } : {}) });
    res.write('{"response":"');
    const pump = (): void => {
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}');
    };
    pump();
  };
  return { reply: { respond }, sent: () => written };
}

/** Sends the headers and part of the body, then `then` (hang, or drop the connection). */
function partial(then: 'hang' | 'reset' | 'trickle'): Reply {
  return {
    respond: (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"response":{"data":[${JSON.stringify(invitation({ email_address: SECRETS }))}`);
      if (then === 'reset') setTimeout(() => res.socket?.destroy(), 20);
      if (then === 'trickle') {
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50);
        res.on('close', () => clearInterval(timer));
      }
    },
  };
}

interface Fault {
  readonly name: string;
  readonly reply: Reply | (() => Reply);
  readonly settings?: Record<string, unknown>;
  /** What the tool error says, for a read and for a write. */
  readonly says: RegExp;
  /** Requests Clerk receives for one GET / one POST. */
  readonly getRequests: number;
  readonly postRequests: number;
  /** The write's error says it may have taken effect. */
  readonly writeMaybeApplied: boolean;
}

const faults: Fault[] = [
  { name: 'a reset in the middle of the body', reply: partial('reset'), says: /connection to Clerk at 127\.0\.0\.1:\d+ broke while its answer .* was being read/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'slow headers', reply: { delayMs: 2_000, json: envelope([]) }, settings: { timeoutMs: 300 }, says: /no answer from Clerk within 300 ms \(CLERK_TIMEOUT_MS\)/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'a body that never ends', reply: partial('hang'), settings: { timeoutMs: 300 }, says: /the whole answer did not arrive within 300 ms \(CLERK_TIMEOUT_MS\)/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'a body that trickles in', reply: partial('trickle'), settings: { timeoutMs: 300 }, says: /the whole answer did not arrive within 300 ms/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'truncated JSON', reply: { status: 200, headers: { 'content-type': 'application/json' }, text: `{"response":{"data":[{"id":"${SECRETS}"` }, says: /answered 200 .* with application\/json, not JSON/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'a 200 that is not JSON', reply: { text: `<html>Sign in ${SECRETS}</html>` }, says: /answered 200 .* with text\/html, not JSON/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'a 200 without "response"', reply: { json: { data: [], token: SECRETS } }, says: /without a "response" field/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'an HTML error page (502)', reply: { status: 502, text: `<html>Bad gateway ${SECRETS}</html>` }, says: /Clerk answered 502 Bad Gateway .*\n- no_clerk_error_body/, getRequests: 3, postRequests: 1, writeMaybeApplied: true },
  { name: 'a 50 MB answer with Content-Length', reply: () => hugeBody(50 * MiB, true).reply, says: /larger than 5242880 bytes \(CLERK_MAX_RESPONSE_BYTES\) \(52428800 bytes announced\)/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'a 50 MB answer without Content-Length', reply: () => hugeBody(50 * MiB, false).reply, says: /larger than 5242880 bytes \(CLERK_MAX_RESPONSE_BYTES\): it was not read/, getRequests: 1, postRequests: 1, writeMaybeApplied: true },
  { name: 'a storm of 429s', reply: { status: 429, json: clerkErrors({ code: 'too_many_requests', long_message: SECRETS }), headers: { 'retry-after': '0' } }, says: /Clerk answered 429 .*retried 2 times/s, getRequests: 3, postRequests: 3, writeMaybeApplied: false },
];

describe('upstream faults: each ends in a clear tool error, with no secret in it', () => {
  it.each(faults)('$name', async (fault) => {
    const replyOf = (): Reply => (typeof fault.reply === 'function' ? fault.reply() : fault.reply);
    const set = await setUp(() => replyOf(), fault.settings);
    for (const [[tool, args], expected] of [[list, fault.getRequests], [create, fault.postRequests]] as const) {
      const before = set.fake.requests.length;
      const result = await set.mcp.call(tool, args);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(fault.says);
      expect(leakedSecrets(JSON.stringify(result)), text(result)).toEqual([]);
      expect(set.fake.requests.length - before).toBe(expected);
      if (tool === create[0]) expect(/may (have reached Clerk and taken|still have taken) effect/.test(text(result))).toBe(fault.writeMaybeApplied);
    }
    // And the server goes on serving.
    await set.fake.close();
    fake = await startFakeClerk(() => ({ json: envelope([]) }));
    await set.mcp.close();
    mcp = await connect({ baseUrl: fake.url });
    expect((await mcp.call(...list)).isError).toBeFalsy();
  });

  it('reports a refused connection, and sends a write once', async () => {
    const closed = await startFakeClerk(() => ({ json: envelope([]) }));
    await closed.close();
    mcp = await connect({ baseUrl: closed.url, publishableKey: PUBLISHABLE_KEY });
    for (const [tool, args] of [list, create]) {
      const result = await mcp.call(tool, args);
      expect(text(result)).toMatch(/could not reach Clerk at 127\.0\.0\.1:\d+ .*\(ECONNREFUSED\)/);
      // Refused means never sent: safe to say so.
      expect(text(result)).not.toContain('may have reached Clerk');
      expect(leakedSecrets(JSON.stringify(result))).toEqual([]);
    }
    recordFigure('upstream faults survived (each for a read and a write)', faults.length + 1);
  });
});

describe('the response size cap', () => {
  it('stops reading a 50 MB answer soon after the cap, dropping the connection', async () => {
    const huge = hugeBody(50 * MiB, false);
    const { fake, mcp } = await setUp(() => huge.reply);
    const result = await mcp.call(...list);
    expect(text(result)).toContain('CLERK_MAX_RESPONSE_BYTES');
    await fake.requests[0]?.aborted; // the fake saw the connection go before its answer was done
    // What the fake managed to write: the cap plus what the socket buffers hold, far from 50 MB.
    expect(huge.sent()).toBeLessThan(20 * MiB);
    recordFigure('bytes of a 50 MB answer sent before the client hung up', huge.sent(), 'bytes');
  });

  it('reads a list of 500 invitations within the default cap', async () => {
    const data = Array.from({ length: 500 }, (_, i) => invitation({ id: `orginv_${i}`, email_address: `person${i}@example.com`, public_metadata: { team: 'x'.repeat(200) } }));
    const { mcp } = await setUp(() => ({ json: envelope({ data, total_count: 500 }) }));
    const result = await mcp.call('getOrganizationInvitations', { organization_id: 'org_1', limit: 500 });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { data: unknown[] }).data).toHaveLength(500);
    recordFigure('size of a 500-invitation list answer', JSON.stringify(envelope({ data, total_count: 500 })).length, 'bytes');
  });

  it('follows CLERK_MAX_RESPONSE_BYTES, for error bodies too', async () => {
    const { mcp } = await setUp((_req, hit) => (hit === 1 ? { json: envelope({ data: Array.from({ length: 5 }, () => invitation()), total_count: 5 }) } : { status: 404, json: clerkErrors({ code: 'organization_not_found_or_unauthorized', long_message: 'x'.repeat(4_000) }) }), { maxResponseBytes: 1024 });
    const ok = await mcp.call(...list);
    expect(text(ok)).toMatch(/larger than 1024 bytes/);
    const refused = await mcp.call(...list);
    expect(text(refused)).toMatch(/Clerk answered 404 Not Found[\s\S]*no_clerk_error_body[\s\S]*larger than 1024 bytes/);
  });
});

describe('the time bound of a whole call', () => {
  it('ends a call whose retries would outlast twice CLERK_TIMEOUT_MS, within that bound', async () => {
    const { fake, mcp } = await setUp(() => ({ status: 503, json: clerkErrors({ code: 'service_unavailable' }), headers: { 'retry-after': '0' }, delayMs: 400 }), { timeoutMs: 500 });
    const started = Date.now();
    const result = await mcp.call(...list);
    const took = Date.now() - started;
    expect(text(result)).toMatch(/no complete answer from Clerk within 1000 ms \(twice CLERK_TIMEOUT_MS, for the whole call\)/);
    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    expect(took).toBeLessThan(4_000);
    recordFigure('longest call with CLERK_TIMEOUT_MS=500 and slow 503s (bound 1000 ms)', took, 'ms');
  });

  it('does not wait for a Retry-After that ends past the deadline: the 429 says when to come back', async () => {
    const { fake, mcp } = await setUp(() => ({ status: 429, json: clerkErrors({ code: 'too_many_requests' }), headers: { 'retry-after': '5' } }), { timeoutMs: 1_000 });
    for (const [tool, args] of [list, create]) {
      const result = await mcp.call(tool, args);
      expect(text(result)).toMatch(/Clerk answered 429[\s\S]*wait 5 s before trying again/);
    }
    expect(fake.requests).toHaveLength(2);
  });

  it('counts the wait for a request slot in the deadline', { timeout: 10_000 }, async () => {
    const { mcp } = await setUp(() => ({ hang: true }), { timeoutMs: 300, maxConcurrency: 1 });
    const [first, second] = await Promise.all([mcp.call(...list), mcp.call(...list)]);
    expect(text(first!)).toMatch(/no answer from Clerk within 300 ms/);
    // The second waited for the first (300 ms) and then ran out of its 600 ms, or timed out itself.
    expect(text(second!)).toMatch(/within (300 ms \(CLERK_TIMEOUT_MS\)|600 ms \(twice CLERK_TIMEOUT_MS)/);
  });
});
