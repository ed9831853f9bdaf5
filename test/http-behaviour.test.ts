import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ClerkClient } from '../src/clerk/client.js';
import { describeFailure } from '../src/clerk/errors.js';
import { endSession } from '../src/cli/account.js';
import type { ClerkSettings } from '../src/clerk/settings.js';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk, type Handler } from './helpers/fake-clerk.js';
import { callTool, initialize, startRawServer, type RawServer } from './helpers/raw-server.js';

const servers: FakeClerk[] = [];
let bin: RawServer | undefined;
afterEach(async () => {
  bin?.child.kill();
  await bin?.exited;
  bin = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeClerk(handler: Handler): Promise<FakeClerk> {
  const fake = await startFakeClerk(handler);
  servers.push(fake);
  return fake;
}

function settings(baseUrl: string, more: Partial<ClerkSettings> = {}): ClerkSettings {
  return { baseUrl, clientToken: CLIENT_TOKEN, sessionId: undefined, apiVersion: '2026-05-12', timeoutMs: 5_000, ...more };
}

const packageVersion = (): string => (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const INVITATIONS = '/v1/organizations/org_1/invitations';
const CREATE = { email_address: 'a@example.com', role: 'org:admin' };
const MiB = 1024 * 1024;
const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => { throw new Error('expected a failure'); }, (error: unknown) => error);

describe('what every request carries', () => {
  it('sends User-Agent clerk-invitations-mcp/<package version> and asks for gzip, deflate and br', async () => {
    const version = packageVersion();
    const fake = await fakeClerk(() => ({ json: envelope({ data: [], total_count: 0 }) }));
    const clerk = new ClerkClient(settings(fake.url));
    await clerk.request({ method: 'GET', path: INVITATIONS });
    await clerk.request({ method: 'POST', path: INVITATIONS, form: CREATE });
    expect(fake.requests).toHaveLength(2);
    for (const received of fake.requests) {
      expect(received.headers['user-agent']).toBe(`clerk-invitations-mcp/${version}`);
      expect(received.headers['accept-encoding']).toBe('gzip, deflate, br');
    }
  });
});

describe('the built server over stdio', () => {
  it('sends its User-Agent and reads a gzip answer', async () => {
    const payload = { data: [invitation()], total_count: 1 };
    const body = gzipSync(JSON.stringify(envelope(payload)));
    const fake = await fakeClerk(() => ({
      respond: (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
        res.end(body);
      },
    }));
    const server = (bin = startRawServer({ CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN }));
    await initialize(server);
    server.send(callTool(1, 'getOrganizationInvitations', { organization_id: 'org_1' }));
    const answer = await server.answer(1);
    expect(answer.result?.isError).toBeFalsy();
    expect(answer.result?.content?.[0]?.text).toContain('orginv_1');
    expect(fake.requests.map((r) => [r.headers['user-agent'], r.headers['accept-encoding']])).toEqual([[`clerk-invitations-mcp/${packageVersion()}`, 'gzip, deflate, br']]);
  });
});

describe('compressed answers', () => {
  const payload = { data: [invitation({ email_address: 'é@example.com' })], total_count: 1 };
  const json = Buffer.from(JSON.stringify(envelope(payload)));

  it.each([
    ['gzip', gzipSync(json)],
    ['br', brotliCompressSync(json)],
    ['deflate', deflateSync(json)],
  ] as const)('decodes a %s answer (its Content-Length is the compressed one)', async (encoding, body) => {
    const fake = await fakeClerk(() => ({
      respond: (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': body.length });
        res.end(body);
      },
    }));
    const clerk = new ClerkClient(settings(fake.url));
    expect(await clerk.request({ method: 'GET', path: INVITATIONS })).toEqual({ response: payload });
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['not gzip at all', Buffer.from('<html>definitely not gzip</html>'), 'incorrect header check'],
    ['a truncated gzip body', gzipSync(json).subarray(0, 40), 'unexpected end of file'],
  ])('says a gzip answer is malformed when its body is %s, and goes on serving', async (_what, body, why) => {
    const fake = await fakeClerk((_request, hit) =>
      hit === 1
        ? {
            respond: (res) => {
              res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
              res.end(body);
            },
          }
        : { json: envelope(payload) },
    );
    const clerk = new ClerkClient(settings(fake.url));
    const error = await failure(clerk.request({ method: 'POST', path: INVITATIONS, form: CREATE }));
    const message = describeFailure('createOrganizationInvitations', error);
    expect(message).toContain(`the answer from ${new URL(fake.url).host} to POST ${INVITATIONS} was malformed (its gzip encoding does not decode: ${why})`);
    // Clerk answered 200 to the create: it happened, whatever became of the body.
    expect(message).toContain('may have reached Clerk and taken effect');
    expect(await clerk.request({ method: 'GET', path: INVITATIONS })).toEqual({ response: payload });
  });
});

describe('a compression bomb', () => {
  const decodedSize = 100 * MiB;
  const zeros = Buffer.alloc(decodedSize);
  const bombs = { gzip: gzipSync(zeros, { level: 9 }), br: brotliCompressSync(zeros) };

  it.each(['gzip', 'br'] as const)('a %s body that inflates to 100 MB is refused at CLERK_MAX_RESPONSE_BYTES of decoded bytes, the connection dropped, never held', async (encoding) => {
    const bomb = bombs[encoding];
    let written = 0;
    let finished = false;
    // Written in small slices over time, so that a client that stops early is seen to drop the connection.
    const respond = (res: ServerResponse): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': bomb.length });
      const slice = Math.max(16, Math.ceil(bomb.length / 200));
      const next = (): void => {
        if (res.destroyed) return;
        if (written >= bomb.length) {
          res.end(() => (finished = true));
          return;
        }
        res.write(bomb.subarray(written, written + slice));
        written += slice;
        setTimeout(next, 5);
      };
      next();
    };
    const fake = await fakeClerk(() => ({ respond }));
    const clerk = new ClerkClient(settings(fake.url, { maxResponseBytes: MiB }));
    global.gc?.();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, arrayBuffers: before.arrayBuffers };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
    }, 2);
    const error = await failure(clerk.request({ method: 'GET', path: INVITATIONS }));
    clearInterval(sampler);
    expect(describeFailure('listOrganizationInvitations', error)).toContain(
      `listOrganizationInvitations failed: Clerk's answer (200) to GET ${INVITATIONS} is larger than ${MiB} bytes (CLERK_MAX_RESPONSE_BYTES): it was not read.`,
    );
    const [received] = fake.requests;
    // The server sees the connection dropped before it could send the whole bomb.
    await received?.aborted;
    expect(finished).toBe(false);
    expect(written).toBeLessThan(bomb.length);
    // Generous bounds: holding the inflated body would add 100 MB; reading up to the cap adds about 1 MB.
    expect(peak.arrayBuffers - before.arrayBuffers).toBeLessThan(40 * MiB);
    expect(peak.rss - before.rss).toBeLessThan(60 * MiB);
    console.error(`[figures] ${encoding} bomb: ${bomb.length} bytes compressed, ${written} written before the drop; peak growth rss ${((peak.rss - before.rss) / MiB).toFixed(1)} MiB, arrayBuffers ${((peak.arrayBuffers - before.arrayBuffers) / MiB).toFixed(1)} MiB`);
  });
});

describe('redirects', () => {
  it('follows a same-origin 307 after a POST once, with the same method, body and token', async () => {
    const target = `/__clerk${INVITATIONS}`;
    const fake = await fakeClerk((request) =>
      request.path === INVITATIONS ? { status: 307, headers: { location: `${target}?_is_native=1` }, text: '' } : { json: envelope(invitation()) },
    );
    const clerk = new ClerkClient(settings(fake.url));
    expect(await clerk.request({ method: 'POST', path: INVITATIONS, form: CREATE })).toEqual({ response: invitation() });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${INVITATIONS}`, `POST ${target}`]);
    const creates = fake.requests.filter((r) => r.path === target);
    expect(creates).toHaveLength(1);
    expect(Object.fromEntries(creates[0]?.form ?? [])).toEqual(CREATE);
    expect(creates[0]?.headers.authorization).toBe(`Bearer ${CLIENT_TOKEN}`);
    expect(creates[0]?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it.each([301, 302, 303])('turns a POST into a GET without a body after a same-origin %i, as fetch does', async (status) => {
    const fake = await fakeClerk((request) => (request.path === INVITATIONS ? { status, headers: { location: '/elsewhere' } } : { json: envelope(invitation()) }));
    const clerk = new ClerkClient(settings(fake.url));
    await clerk.request({ method: 'POST', path: INVITATIONS, form: CREATE });
    const followed = fake.requests[1];
    expect(fake.requests).toHaveLength(2);
    expect(followed).toMatchObject({ method: 'GET', path: '/elsewhere', body: '' });
    expect(followed?.headers['content-type']).toBeUndefined();
    expect(followed?.headers.authorization).toBe(`Bearer ${CLIENT_TOKEN}`);
  });

  it('stops after 3 same-origin redirects and says so', async () => {
    const fake = await fakeClerk((_request, hit) => ({ status: 308, headers: { location: `/loop/${hit}` } }));
    const clerk = new ClerkClient(settings(fake.url));
    const error = await failure(clerk.request({ method: 'GET', path: INVITATIONS }));
    expect(fake.requests).toHaveLength(4);
    expect(describeFailure('tool', error)).toBe(
      `tool failed: ${fake.url} answered GET ${INVITATIONS} with a redirect (308) more than 3 times within ${fake.url}. If Clerk's Frontend API has moved (a proxy or custom domain), set CLERK_FRONTEND_API_URL to its new address.`,
    );
  });

  it.each([
    ['GET', 307],
    ['POST', 307],
    ['POST', 308],
    ['POST', 302],
  ] as const)('refuses a %s redirected (%i) to another origin: nothing is sent there, and the error names only its origin', async (method, status) => {
    const elsewhere = await fakeClerk(() => ({ json: envelope(invitation()) }));
    const fake = await fakeClerk(() => ({ status, headers: { location: `${elsewhere.url}/v1/moved?secret_query=abc123#frag` } }));
    const clerk = new ClerkClient(settings(fake.url));
    const error = await failure(clerk.request({ method, path: INVITATIONS, ...(method === 'POST' ? { form: CREATE } : {}) }));
    expect(elsewhere.requests).toHaveLength(0);
    expect(fake.requests).toHaveLength(1);
    const message = describeFailure('tool', error);
    const notDone = method === 'GET' ? '' : ` A ${status} redirect means the POST was not carried out at ${fake.url}.`;
    expect(message).toBe(
      `tool failed: ${fake.url} answered ${method} ${INVITATIONS} with a redirect (${status}) to another origin, ${elsewhere.url}. It was not followed: the client token is never sent to another origin, and nothing was sent there.${notDone} If Clerk's Frontend API has moved (a proxy or custom domain), set CLERK_FRONTEND_API_URL to its new address.`,
    );
    expect(message).not.toContain('secret_query');
    expect(message).not.toContain('taken effect');
  });

  it('says a write redirected elsewhere with 303 (See Other) may have taken effect', async () => {
    const elsewhere = await fakeClerk(() => ({ json: envelope(invitation()) }));
    const fake = await fakeClerk(() => ({ status: 303, headers: { location: `${elsewhere.url}/done` } }));
    const clerk = new ClerkClient(settings(fake.url));
    const message = describeFailure('tool', await failure(clerk.request({ method: 'POST', path: INVITATIONS, form: CREATE })));
    expect(elsewhere.requests).toHaveLength(0);
    expect(message).toContain(`with a redirect (303) to another origin, ${elsewhere.url}. It was not followed`);
    expect(message).toContain('The request may have reached Clerk and taken effect');
  });

  it('logout: a same-origin 307 to DELETE /v1/client is followed with the token and ends the session', async () => {
    const fake = await fakeClerk((request) =>
      request.path === '/v1/client' ? { status: 307, headers: { location: '/__clerk/v1/client' } } : { headers: { authorization: 'Bearer ' }, json: envelope({ object: 'client', id: 'client_1', sessions: [] }) },
    );
    expect(await endSession(settings(fake.url), CLIENT_TOKEN)).toEqual({ kind: 'ended' });
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([`DELETE /v1/client Bearer ${CLIENT_TOKEN}`, `DELETE /__clerk/v1/client Bearer ${CLIENT_TOKEN}`]);
  });

  it('logout: a 307 to DELETE /v1/client pointing at another origin is not followed, and the session is not called ended', async () => {
    const elsewhere = await fakeClerk(() => ({ headers: { authorization: 'Bearer ' }, json: envelope({ object: 'client', sessions: [] }) }));
    const fake = await fakeClerk(() => ({ status: 307, headers: { location: `${elsewhere.url}/v1/client` } }));
    const ending = await endSession(settings(fake.url), CLIENT_TOKEN);
    expect(elsewhere.requests).toHaveLength(0);
    expect(ending).toEqual({
      kind: 'failed',
      why: `${fake.url} answered DELETE /v1/client with a redirect (307) to another origin, ${elsewhere.url}. It was not followed: the client token is never sent to another origin, and nothing was sent there. A 307 redirect means the DELETE was not carried out at ${fake.url}. If Clerk's Frontend API has moved (a proxy or custom domain), set CLERK_FRONTEND_API_URL to its new address`,
    });
  });
});
