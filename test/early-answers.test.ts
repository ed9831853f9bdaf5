import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCapability } from '../src/capability/load.js';
import { earlyReply, type EarlyAnswers } from '../src/startup/early-answers.js';
import { recordEarlyAnswers } from '../src/startup/record.js';
import { selectOperations } from '../src/tools/select.js';
import { startRawServer, type RawServer } from './helpers/raw-server.js';

const ROOT = join(import.meta.dirname, '..');
const env = { CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_CLIENT_TOKEN: 'token' };
const init = (id: number | string, protocolVersion: string) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'early', version: '1' } } });
const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
const list = (id: number | string, params?: object) => ({ jsonrpc: '2.0', id, method: 'tools/list', ...(params ? { params } : {}) });

let server: RawServer | undefined;
afterEach(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  server = undefined;
});

describe('early answers (given before the MCP SDK has loaded)', () => {
  const answers: EarlyAnswers = { protocolVersions: ['2025-11-25', '2025-06-18'], initialize: { capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' } }, tools: [{ name: 'a' }, { name: 'b' }] };
  const all = new Set(['a', 'b']);

  it('negotiate the protocol version as the SDK does: the client\'s if supported, else the latest', () => {
    expect(earlyReply(answers, init(1, '2025-06-18'), all, false)?.reply).toEqual({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' } } });
    expect(earlyReply(answers, init(1, '1999-01-01'), all, false)?.reply).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
    expect(earlyReply(answers, init(1, '2025-06-18'), all, false)?.replay).toBe(true);
  });

  it('list only the tools served, and only after initialize', () => {
    expect(earlyReply(answers, list(2), new Set(['b']), true)).toEqual({ reply: { jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'b' }] } }, replay: false });
    expect(earlyReply(answers, list(2), all, false)).toBeUndefined();
  });

  it('leave to the server whatever the SDK might judge otherwise', () => {
    const leftAlone = [
      { ...init(1, '2025-06-18'), extra: true }, // not a valid JSON-RPC request
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {} } }, // no clientInfo
      { jsonrpc: '2.0', id: 1.5, method: 'initialize', params: init(1, '2025-06-18').params }, // not an integer id
      list(3, { cursor: 'next' }), // a page the server has to work out
      { jsonrpc: '2.0', method: 'tools/list' }, // a notification
      { jsonrpc: '2.0', id: 4, method: 'ping' },
      'not even an object',
    ];
    for (const message of leftAlone) expect(earlyReply(answers, message, all, true)).toBeUndefined();
  });
});

describe('the built bin', () => {
  it('answers initialize and tools/list exactly as the real server does, for every protocol version and tool selection', async () => {
    const capability = loadCapability();
    for (const [args, selected] of [
      [[], capability],
      [['--read-only'], selectOperations(capability, { readOnly: true })],
      [['--tools', 'revokePendingOrganizationInvitation'], selectOperations(capability, { tools: { names: ['revokePendingOrganizationInvitation'], from: '--tools' } })],
    ] as const) {
      const reference = await recordEarlyAnswers(selected);
      for (const version of ['2025-06-18', '2024-11-05', '1999-01-01']) {
        server = startRawServer(env, args);
        server.send(init(1, version));
        server.send(initialized);
        server.send(list(2));
        const [initAnswer, listAnswer] = [await server.answer(1), await server.answer(2)];
        expect(initAnswer).toEqual({ jsonrpc: '2.0', id: 1, result: { protocolVersion: reference.protocolVersions.includes(version) ? version : reference.protocolVersions[0], ...reference.initialize } });
        expect(listAnswer).toEqual({ jsonrpc: '2.0', id: 2, result: { tools: reference.tools } });
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  });

  it('answers them before, and without, the server module (the MCP SDK)', async () => {
    // A copy of dist/ without the chunk that holds the server: what still answers is the early reader.
    const dir = mkdtempSync(join(tmpdir(), 'cim-early-'));
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    const chunks = readdirSync(join(ROOT, 'dist'));
    const serverChunk = chunks.filter((f) => /^serve-.*\.js$/.test(f));
    expect(serverChunk).toHaveLength(1);
    for (const file of chunks.filter((f) => !serverChunk.includes(f))) cpSync(join(ROOT, 'dist', file), join(dir, 'dist', file));
    const child = spawn(process.execPath, [join(dir, 'dist', 'index.js')], { env: { PATH: process.env.PATH ?? '', HOME: dir, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stdin.write([init(1, '2025-06-18'), initialized, list(2)].map((m) => JSON.stringify(m)).join('\n') + '\n');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1); // then it fails to load the server module, as it should without it
    const answered = out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: number; result: { tools?: unknown[] } });
    expect(answered.map((m) => m.id)).toEqual([1, 2]);
    expect(answered[1]?.result.tools).toHaveLength(5);
  });

  it('answers everything sent at once before it is ready, each request once, in order', async () => {
    server = startRawServer(env);
    server.child.stdin.write([init(1, '2025-06-18'), initialized, list(2), { jsonrpc: '2.0', id: 3, method: 'ping' }, list(4), { jsonrpc: '2.0', id: 5, method: 'resources/list' }].map((m) => JSON.stringify(m)).join('\n') + '\n');
    await server.answer(5);
    const ids = server.messages().map((m) => m.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(server.messages().every((m) => m.error === undefined)).toBe(true);
  });

  it('still exits 0 when stdin ends before the server has loaded', async () => {
    server = startRawServer(env);
    server.child.stdin.end([init(1, '2025-06-18'), initialized, list(2)].map((m) => JSON.stringify(m)).join('\n') + '\n');
    expect(await server.exited).toBe(0);
    expect(server.messages().map((m) => m.id)).toEqual([1, 2]);
  });
});
