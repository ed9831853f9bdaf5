import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadCapability } from '../../src/engine/load.js';
import { ClerkClient } from '../../src/clerk/client.js';
import { createClerkServer } from '../../src/cli/serve.js';
import { StdioTransport } from '../../src/mcp/stdio.js';
import { CLIENT_TOKEN, envelope, startFakeClerk, type FakeClerk } from '../helpers/fake-clerk.js';
import { callTool } from '../helpers/raw-server.js';

// The transport on in-memory streams, in front of the real server: shutdown bounds without a process.
let fake: FakeClerk | undefined;

async function serve(maxLineBytes?: number, maxDispatched?: number) {
  fake = await startFakeClerk((req) => (req.path.includes('org_hang') ? { hang: true } : { json: envelope([]) }));
  const clerk = new ClerkClient({ baseUrl: fake.url, clientToken: CLIENT_TOKEN, sessionId: undefined, apiVersion: '2026-05-12', timeoutMs: 60_000 });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const transport = new StdioTransport(stdin, stdout, { ...(maxLineBytes === undefined ? {} : { maxLineBytes }), ...(maxDispatched === undefined ? {} : { maxDispatched }) });
  const server = createClerkServer({ capability: loadCapability(), clerk });
  await server.connect(transport);
  const send = (m: object | string): boolean => stdin.write(`${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
  const messages = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: string; error?: { code: number; message: string }; result?: { isError?: boolean } });
  send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  await expect.poll(() => messages().length).toBe(1);
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { transport, server, send, messages, fake };
}

describe('StdioTransport', () => {
  it('stops waiting for a hung call after the grace period', async () => {
    const { transport, server, send, fake } = await serve();
    send(callTool('hung', 'getOrganizationInvitations', { organization_id: 'org_hang' }));
    await expect.poll(() => fake.requests.length).toBe(1);
    expect(transport.awaiting).toBe(1);
    const started = Date.now();
    expect(await transport.drain(200)).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
    await server.close();
  });

  it('refuses new requests while draining, but still takes cancellations', async () => {
    const { transport, server, send, messages, fake } = await serve();
    send(callTool('hung', 'getOrganizationInvitations', { organization_id: 'org_hang' }));
    await expect.poll(() => fake.requests.length).toBe(1);
    const drained = transport.drain(10_000);
    send(callTool('late', 'getOrganizationInvitations', { organization_id: 'org_1' }));
    await expect.poll(() => messages().find((m) => m.id === 'late')?.error?.code).toBe(-32000);
    send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'hung' } });
    expect(await drained).toBe(0); // the cancellation ended the wait
    await fake.requests[0]?.aborted;
    expect(fake.requests).toHaveLength(1);
    await server.close();
  });

  it('hands the server only so many calls at once; the rest wait, and a cancelled one never reaches it', async () => {
    const { transport, server, send, messages, fake } = await serve(undefined, 2);
    send(callTool('c1', 'getOrganizationInvitations', { organization_id: 'org_hang' }));
    send(callTool('c2', 'getOrganizationInvitations', { organization_id: 'org_hang' }));
    send(callTool('c3', 'getOrganizationInvitations', { organization_id: 'org_cancelled' }));
    send(callTool('c4', 'getOrganizationInvitations', { organization_id: 'org_ok' }));
    send({ jsonrpc: '2.0', id: 'p', method: 'ping' });
    // Requests that do not call Clerk pass the waiting calls by.
    await expect.poll(() => messages().find((m) => m.id === 'p')?.result).toEqual({});
    await expect.poll(() => fake.requests.length).toBe(2);
    expect(transport.held).toBe(2);
    send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c3' } });
    await expect.poll(() => transport.held).toBe(1);
    // Cancelling a call in flight frees its place: the next waiting call goes through.
    send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'c1' } });
    await expect.poll(() => messages().find((m) => m.id === 'c4')?.result).toBeDefined();
    expect(messages().find((m) => m.id === 'c4')?.result?.isError).toBeFalsy();
    expect(fake.requests.map((r) => r.path.split('/')[3])).toEqual(['org_hang', 'org_hang', 'org_ok']);
    expect(messages().some((m) => m.id === 'c3')).toBe(false);
    expect(transport.held).toBe(0);
    await server.close();
  });

  it('skips a line over its limit without holding it, answering a parse error', async () => {
    const { server, send, messages } = await serve(1024);
    send(`{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"${'x'.repeat(5_000)}"}}`);
    send({ jsonrpc: '2.0', id: 'small', method: 'ping' });
    await expect.poll(() => messages().find((m) => m.id === 'small')?.result).toEqual({});
    expect(messages().find((m) => m.error)?.error?.message).toBe('Parse error: message longer than 1024 bytes, skipped');
    await server.close();
  });
});
