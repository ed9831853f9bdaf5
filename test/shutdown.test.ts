import { afterEach, describe, expect, it } from 'vitest';
import { ClerkClient } from '../src/clerk/client.js';
import { ClerkRequestError } from '../src/clerk/errors.js';
import { testSettings } from './helpers/connect.js';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';
import { callTool, initialize, startRawServer, type RawServer } from './helpers/raw-server.js';

// The built bin, stopped while it has work queued or while its client does not read stdout.
let fake: FakeClerk | undefined;
let server: RawServer | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server?.exited;
  fake = server = undefined;
});

const create = (id: string): object => callTool(id, 'createOrganizationInvitations', { organization_id: 'org_1', email_address: `${id}@example.com`, role: 'org:member' });
type Answer = ReturnType<RawServer['messages']>[number];
/** The answer to `id`, read from whole lines only: many answers at once can arrive cut mid-line. */
async function answerOf(s: RawServer, id: string): Promise<Answer> {
  const find = (): Answer | undefined => {
    const whole = s.stdout().slice(0, s.stdout().lastIndexOf('\n') + 1);
    return whole.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Answer).find((m) => m.id === id);
  };
  await expect.poll(find, { timeout: 10_000 }).toBeDefined();
  return find() as Answer;
}
const textOf = (m: { result?: { content?: { text: string }[] } }): string => m.result?.content?.[0]?.text ?? '';

describe('after SIGTERM', () => {
  it('sends nothing more to Clerk: queued calls are answered at once that nothing was sent, the call in flight finishes', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The first create is held by Clerk until the test lets it go; writes go one at a time, so the others queue.
    fake = await startFakeClerk((_req, hit) => ({ json: envelope(invitation()), ...(hit === 1 ? { until: held } : {}) }));
    const s = (server = startRawServer({ CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN }));
    await initialize(s);
    // 40: 32 reach the server (one in flight, 31 waiting for the write slot), 8 wait in the transport.
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    for (const id of ids) s.send(create(id));
    await expect.poll(() => fake!.requests.length).toBe(1);
    const first = fake.requests[0]?.form.get('email_address')?.replace('@example.com', '') ?? '';
    s.child.kill('SIGTERM');
    const queued = ids.filter((id) => id !== first);
    // Answered while the call in flight is still held by Clerk: none of them waits for it.
    for (const id of queued) {
      const answer = await answerOf(s, id);
      expect(answer.result?.isError).toBe(true);
      expect(textOf(answer)).toMatch(/the server is stopping/);
      expect(textOf(answer)).toMatch(/[Nn]othing was sent to Clerk/);
    }
    release();
    expect((await answerOf(s, first)).result?.isError).toBeFalsy();
    expect(await s.exited).toBe(0);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('ClerkClient.stop()', () => {
  it('fails the requests waiting for a slot, and any later one, saying nothing was sent; the one in flight finishes', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake = await startFakeClerk((_req, hit) => ({ json: envelope({ ok: true }), ...(hit === 1 ? { until: held } : {}) }));
    // One slot: the GET waits for a slot, the second POST for the write slot.
    const clerk = new ClerkClient(testSettings({ baseUrl: fake.url, maxConcurrency: 1 }));
    const first = clerk.request({ method: 'POST', path: '/v1/first', form: {} });
    await expect.poll(() => fake!.requests.length).toBe(1);
    const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'sent', (error: unknown) => error);
    const queued = [failure(clerk.request({ method: 'POST', path: '/v1/queued', form: {} })), failure(clerk.request({ method: 'GET', path: '/v1/queued' }))];
    await expect.poll(() => clerk.load.queued).toBe(2);
    clerk.stop();
    const errors = [...(await Promise.all(queued)), await failure(clerk.request({ method: 'GET', path: '/v1/later' }))];
    for (const error of errors) {
      expect(error).toBeInstanceOf(ClerkRequestError);
      expect((error as ClerkRequestError).maybeApplied).toBe(false);
      expect((error as ClerkRequestError).message).toMatch(/^the server is stopping, so (POST|GET) \/v1\/(queued|later) was not sent: nothing was sent to Clerk\.$/);
    }
    release();
    await expect(first).resolves.toEqual({ response: { ok: true } });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/first']);
  });
});

/** Starts the bin and fills its stdout: answers pile up in the pipe, which the test never reads. */
async function blockedStdout(): Promise<RawServer> {
  const s = (server = startRawServer({ CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_CLIENT_TOKEN: CLIENT_TOKEN }));
  await initialize(s);
  s.child.stdout.pause();
  // Each tools/list answer is several KB: a few hundred overflow the pipe and this side's buffer.
  for (let i = 0; i < 400; i++) s.send({ jsonrpc: '2.0', id: i, method: 'tools/list' });
  await expect.poll(() => s.child.stdout.readableLength >= s.child.stdout.readableHighWaterMark, { timeout: 10_000 }).toBe(true);
  // Let the server meet the full pipe.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return s;
}

// Stall-catching bound: the 5 s grace (SHUTDOWN_GRACE_MS) plus a generous margin for a loaded machine.
const WITHIN_MS = 5_000 + 4_000;
const exitTime = async (s: RawServer, started: number): Promise<{ code: number | string | null; ms: number }> => {
  const code = await Promise.race([s.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), WITHIN_MS + 5_000))]);
  return { code, ms: Date.now() - started };
};

describe('a client that no longer reads stdout', () => {
  it('does not keep the server from stopping on SIGTERM: it exits 0 within the grace', async () => {
    const s = await blockedStdout();
    const started = Date.now();
    s.child.kill('SIGTERM');
    const { code, ms } = await exitTime(s, started);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(WITHIN_MS);
    // Which stage the grace ran out in depends on how far the answers got on a loaded machine.
    expect(s.stderr()).toContain('stopping after 5000 ms while waiting for');
  }, 30_000);

  it('does not keep the server from stopping at the end of stdin: it exits 0 within the grace', async () => {
    const s = await blockedStdout();
    const started = Date.now();
    s.child.stdin.end();
    const { code, ms } = await exitTime(s, started);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(WITHIN_MS);
  }, 30_000);
});
