import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_TOKEN, envelope, invitation, startFakeClerk, type FakeClerk, type Reply } from '../helpers/fake-clerk.js';
import { recordFigure } from '../helpers/figures.js';
import { callTool, initialize, startRawServer, type RawServer } from '../helpers/raw-server.js';
import { PUBLISHABLE_KEY, leakedSecrets } from '../helpers/secrets.js';

let fake: FakeClerk | undefined;
let server: RawServer | undefined;
afterEach(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server?.exited;
  fake = server = undefined;
});

const list = (org: string): Record<string, unknown> => ({ organization_id: org });

/** A fake Clerk that answers org_ok at once, holds org_hang forever and org_slow for `slowMs`. */
async function start(slowMs = 500, env: Record<string, string> = {}): Promise<RawServer> {
  fake = await startFakeClerk((req): Reply => {
    const reply = { json: envelope({ data: [invitation({ organization_id: req.path.split('/')[3] })], total_count: 1 }) };
    if (req.path.includes('org_hang')) return { hang: true };
    if (req.path.includes('org_slow')) return { ...reply, delayMs: slowMs };
    return reply;
  });
  server = startRawServer({ CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY, ...env });
  await initialize(server);
  return server;
}

function expectCleanStreams(s: RawServer): void {
  // Every stdout line is a JSON-RPC 2.0 message (messages() throws on any other line).
  expect(s.messages().every((m) => m.jsonrpc === '2.0')).toBe(true);
  expect(leakedSecrets(s.stdout() + s.stderr())).toEqual([]);
}

describe('protocol abuse over stdio (the built server)', () => {
  it('answers bad lines with JSON-RPC errors and goes on serving', async () => {
    const s = await start();
    const abuse: [string, string | object, number, (string | number)?][] = [
      ['invalid JSON', '{"jsonrpc":"2.0","id":1,"method":', -32700],
      ['a bare word', 'hello', -32700],
      ['JSON that is not JSON-RPC', { hello: 'world' }, -32600],
      ['a batch (not in MCP)', [{ jsonrpc: '2.0', id: 2, method: 'ping' }], -32600],
      ['a number', '42', -32600],
      ['a method that is not a string', { jsonrpc: '2.0', id: 'bad-method', method: 5 }, -32600, 'bad-method'],
      ['an unknown method', { jsonrpc: '2.0', id: 'unknown-method', method: 'no/such/method' }, -32601, 'unknown-method'],
      ['a 10 MB line', JSON.stringify(callTool('huge', 'getOrganizationInvitations', { organization_id: 'x'.repeat(10 * 1024 * 1024) })), -32700],
    ];
    for (const [, line] of abuse) s.send(line);
    s.send('');
    s.send('   ');
    s.send(`${JSON.stringify(callTool('after', 'getOrganizationInvitations', list('org_ok')))}\r`);
    const after = await s.answer('after');
    expect(after.result?.structuredContent).toMatchObject({ data: [{ organization_id: 'org_ok' }] });

    const errors = s.messages().filter((m) => m.error);
    // JSON-RPC 2.0: an id that could not be read is answered as null.
    expect(errors.map((m) => [m.error?.code, m.id])).toEqual(abuse.map(([, , code, id]) => [code, id ?? null]));
    expect(errors.at(-1)?.error?.message).toContain('longer than 8388608 bytes');

    // An unknown tool is answered with a JSON-RPC error (invalid params, as the protocol says), and the server still serves.
    s.send(callTool('no-tool', 'noSuchTool', {}));
    expect((await s.answer('no-tool')).error).toMatchObject({ code: -32602, message: expect.stringContaining('noSuchTool not found') });
    expectCleanStreams(s);
    s.child.stdin.end();
    expect(await s.exited).toBe(0);
    recordFigure('abusive protocol lines answered over stdio', abuse.length + 1);
  });

  it('takes a burst of cancellations: cancelled calls stop, queued ones are never sent, later calls are answered', async () => {
    const s = await start();
    const ids = Array.from({ length: 40 }, (_, i) => `hang-${i}`);
    for (const id of ids) s.send(callTool(id, 'getOrganizationInvitations', list('org_hang')));
    // The default cap lets 8 reach Clerk; the rest wait.
    await expect.poll(() => fake!.requests.length, { timeout: 10_000 }).toBe(8);
    for (const id of ids) s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'burst' } });
    for (let i = 0; i < 500; i++) s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: `never-${i}` } });
    s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: {} });
    await Promise.all(fake!.requests.map((r) => r.aborted)); // each held request's connection was dropped
    s.send(callTool('after', 'getOrganizationInvitations', list('org_ok')));
    expect((await s.answer('after')).result?.isError).toBeFalsy();
    // Cancelled requests get no answer (MCP), and none of the queued ones reached Clerk.
    expect(s.messages().filter((m) => typeof m.id === 'string' && m.id.startsWith('hang-'))).toEqual([]);
    expect(fake!.requests.filter((r) => r.path.includes('org_hang'))).toHaveLength(8);
    expectCleanStreams(s);
    recordFigure('cancellations in one burst over stdio', ids.length + 501);
  });
});

describe('stopping (the built server)', () => {
  it('answers a call in flight after SIGTERM, then exits 0', async () => {
    const s = await start(500);
    s.send(callTool('slow', 'getOrganizationInvitations', list('org_slow')));
    await expect.poll(() => fake!.requests.length).toBe(1);
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    expect((await s.answer('slow')).result?.structuredContent).toMatchObject({ data: [{ organization_id: 'org_slow' }] });
    expect(await s.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expectCleanStreams(s);
  });

  it('answers a call in flight when stdin closes, then exits 0', async () => {
    const s = await start(300);
    s.send(callTool('slow', 'getOrganizationInvitations', list('org_slow')));
    await expect.poll(() => fake!.requests.length).toBe(1);
    s.child.stdin.end();
    expect((await s.answer('slow')).result?.isError).toBeFalsy();
    expect(await s.exited).toBe(0);
  });

  it('writes out every answer that finished together before it exits, when stdin closes', async () => {
    // Every call waits for the sign-in ticket's exchange; its refusal answers them all in one go.
    fake = await startFakeClerk((req): Reply => (req.path === '/v1/client/sign_ins' ? { status: 422, delayMs: 300, json: { errors: [{ code: 'ticket_invalid' }] } } : { status: 500 }));
    const s = (server = startRawServer({ CLERK_FRONTEND_API_URL: fake.url, CLERK_SIGN_IN_TICKET: 'ticket_refused' }));
    await initialize(s);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const id of ids) s.send(callTool(id, 'getOrganizationInvitations', list(`org_${id}`)));
    await expect.poll(() => fake!.requests.length).toBe(1);
    s.child.stdin.end();
    expect(await s.exited).toBe(0);
    expect(s.messages().map((m) => m.id).filter((id) => ids.includes(String(id))).sort()).toEqual(ids);
  });

  it('exits 0 at once when its client stops reading (EPIPE on stdout)', async () => {
    const s = await start();
    s.child.stdout.destroy();
    s.send(callTool('ok', 'getOrganizationInvitations', list('org_ok')));
    expect(await s.exited).toBe(0);
  });
});

describe('an unhandled rejection in the built server', () => {
  it('is logged to stderr, redacted, and the process goes on', () => {
    // src/log.ts, built on its own (the bin is one bundle): the real module, in a real process.
    const log = join(mkdtempSync(join(tmpdir(), 'cim-log-')), 'log.mjs');
    buildSync({ entryPoints: [join(import.meta.dirname, '../../src/log.ts')], bundle: true, format: 'esm', platform: 'node', outfile: log, logLevel: 'silent' });
    const script = `
      const { logUnhandledRejections } = await import(${JSON.stringify(log)});
      logUnhandledRejections({ redact: (t) => t.split(${JSON.stringify(CLIENT_TOKEN)}).join('[redacted]') });
      Promise.reject(new Error('boom with ${CLIENT_TOKEN}'));
      setTimeout(() => process.stderr.write('still here\\n'), 50);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('unhandled promise rejection (a bug; still serving): Error: boom with [redacted]');
    expect(result.stderr).toContain('still here');
    expect(result.stderr).not.toContain(CLIENT_TOKEN);
    expect(result.stdout).toBe('');
  });
});
