import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from './helpers/cli.js';
import { CLIENT_TOKEN, envelope, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

const KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, input: '', encoding: 'utf8', timeout: 15_000 });
}

let client: Client | undefined;
let fake: FakeClerk | undefined;
afterEach(async () => {
  await client?.close();
  client = fake = undefined;
});

async function connectBin(args: string[], env: Record<string, string>): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], env: { ...baseEnv, ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('the built server over stdio', () => {
  it('serves the five tools with titles and hints, and answers a call, in sandbox mode', async () => {
    const { client } = await connectBin(['--sandbox'], {});
    const { tools } = await client.listTools();
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(Object.keys(hints)).toEqual([
      'createOrganizationInvitations',
      'getOrganizationInvitations',
      'bulkCreateOrganizationInvitations',
      'getAllPendingOrganizationInvitations',
      'revokePendingOrganizationInvitation',
    ]);
    for (const tool of tools) {
      expect(tool.annotations?.title).toBeTruthy();
      expect(tool.annotations?.openWorldHint).toBe(true);
      expect(tool.outputSchema).toBeDefined();
    }
    expect(hints.getOrganizationInvitations).toMatchObject({ readOnlyHint: true });
    expect(hints.getAllPendingOrganizationInvitations).toMatchObject({ readOnlyHint: true });
    expect(hints.createOrganizationInvitations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(hints.bulkCreateOrganizationInvitations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(hints.revokePendingOrganizationInvitation).toMatchObject({ destructiveHint: true, idempotentHint: true });
    expect(tools.find((t) => t.name === 'getAllPendingOrganizationInvitations')?.description).toMatch(/deprecated upstream: use getOrganizationInvitations with status=pending/);

    const result = await client.callTool({ name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox', status: 'pending' } });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { total_count: number }).total_count).toBe(2);
  });

  it('talks to the configured Frontend API, and keeps the token out of stderr', async () => {
    fake = await startFakeClerk(() => ({ json: envelope([]), headers: { authorization: 'rotated_secret' } }));
    const { client, stderr } = await connectBin([], { CLERK_FRONTEND_API_URL: fake.url, CLERK_CLIENT_TOKEN: CLIENT_TOKEN, CLERK_PUBLISHABLE_KEY: KEY });
    await client.callTool({ name: 'getAllPendingOrganizationInvitations', arguments: { organization_id: 'org_1' } });
    await client.callTool({ name: 'getAllPendingOrganizationInvitations', arguments: { organization_id: 'org_1' } });
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${CLIENT_TOKEN}`, 'Bearer rotated_secret']);
    for (const secret of [CLIENT_TOKEN, 'rotated_secret', KEY]) expect(stderr()).not.toContain(secret);
  });

  it('starts without a client token, says so on stderr, and answers tools with an error', async () => {
    const { client, stderr } = await connectBin([], { CLERK_PUBLISHABLE_KEY: KEY });
    const result = await client.callTool({ name: 'getAllPendingOrganizationInvitations', arguments: { organization_id: 'org_1' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain(`run \`node ${BIN} login --frontend-api-url https://example.accounts.dev\` in a terminal, or set CLERK_CLIENT_TOKEN`);
    expect(stderr()).toContain(`not signed in to https://example.accounts.dev: the tools will answer with an error until you run \`node ${BIN} login --frontend-api-url https://example.accounts.dev\``);
  });

  it('writes nothing but JSON-RPC messages to stdout, errors included (CLERK_SANDBOX=1)', async () => {
    const child = spawn(process.execPath, [BIN], { env: { ...baseEnv, CLERK_SANDBOX: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.resume();
    const calls: [string, Record<string, unknown>][] = [
      ['getOrganizationInvitations', { organization_id: 'org_sandbox' }],
      ['createOrganizationInvitations', { organization_id: 'org_sandbox', email_address: 'alice@example.com', role: 'org:admin' }], // duplicate
      ['getOrganizationInvitations', { organization_id: 'org_readonly' }], // 403
      ['revokePendingOrganizationInvitation', { organization_id: 'org_sandbox', invitation_id: '..' }], // invalid
      ['noSuchTool', {}],
    ];
    const messages = [
      { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      ...calls.map(([name, args], i) => ({ jsonrpc: '2.0', id: i + 2, method: 'tools/call', params: { name, arguments: args } })),
    ];
    child.stdin.write(messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const answered = (): number => stdout.split('\n').filter(Boolean).length;
    await expect.poll(answered, { timeout: 10_000 }).toBe(calls.length + 2);
    child.stdin.end();
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);

    const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { jsonrpc: string; id: number; result?: { isError?: boolean }; error?: { code: number } });
    expect(lines.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(lines.map((m) => m.id).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(lines.filter((m) => m.result?.isError).map((m) => m.id).sort()).toEqual([3, 4, 5]);
    // An unknown tool is a JSON-RPC error (invalid params), as the protocol says since SDK v2.
    expect(lines.find((m) => m.id === 6)).toMatchObject({ error: { code: -32602 } });
  });

  it('exits 0 when stdin closes', async () => {
    const child = spawn(process.execPath, [BIN, '--sandbox'], { env: baseEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    await new Promise((resolve) => child.stderr.once('data', resolve)); // started: the sandbox line
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe('');
  });
});

describe('start-up failures', () => {
  it('exits non-zero at once, naming both variables, when no Clerk instance is configured', () => {
    const result = run([]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CLERK_PUBLISHABLE_KEY[\s\S]*CLERK_FRONTEND_API_URL/);
    expect(result.stdout).toBe('');
  });

  it('exits non-zero naming CLERK_PUBLISHABLE_KEY, without echoing it, for an invalid key', () => {
    const result = run([], { CLERK_PUBLISHABLE_KEY: 'pk_live_bm9kb3Qk' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CLERK_PUBLISHABLE_KEY is not a valid Clerk publishable key');
    expect(result.stderr).not.toContain('bm9kb3Qk');
    expect(result.stdout).toBe('');
  });

  it('exits non-zero naming the file and the place for a broken capability file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cap-')), 'broken.yaml');
    writeFileSync(file, 'naftiko: 1.0.0-alpha2\ninfo:\n  label: x\ncapability:\n  consumes: []\n');
    const result = run(['--capability', file], { CLERK_PUBLISHABLE_KEY: KEY });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Invalid capability file ${file} at capability.consumes:`);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for an unknown flag', () => {
    const result = run(['--sandbx']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--sandbx'");
    expect(result.stdout).toBe('');
  });
});

describe('--help and --version', () => {
  it('documents every variable and flag', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    for (const word of ['--sandbox', '--capability', '--help', '--version', 'CLERK_PUBLISHABLE_KEY', 'CLERK_FRONTEND_API_URL', 'CLERK_CLIENT_TOKEN', 'CLERK_SESSION_ID', 'CLERK_API_VERSION', 'CLERK_TIMEOUT_MS', 'CLERK_MAX_RESPONSE_BYTES', 'CLERK_MAX_CONCURRENCY', 'CLERK_SANDBOX', 'CLERK_CAPABILITY_FILE']) {
      expect(result.stdout).toContain(word);
    }
  });

  it('prints the package version', () => {
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('mcp.json', () => {
  const config = JSON.parse(readFileSync(join(import.meta.dirname, '../mcp.json'), 'utf8')) as {
    mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
  };

  it('runs the real server through npx, with the variables as placeholders', () => {
    expect(config.mcpServers['clerk-invitations']).toMatchObject({ command: 'npx', args: ['-y', 'clerk-invitations-mcp'] });
    expect(Object.keys(config.mcpServers['clerk-invitations']?.env ?? {})).toEqual(['CLERK_PUBLISHABLE_KEY']); // the token comes from `login`
  });

  it('has a sandbox entry that runs from a checkout', async () => {
    const entry = config.mcpServers['clerk-invitations-sandbox']!;
    expect(entry.command).toBe('node');
    const transport = new StdioClientTransport({ command: process.execPath, args: entry.args, cwd: join(import.meta.dirname, '..'), env: baseEnv, stderr: 'ignore' });
    client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    expect((await client.listTools()).tools).toHaveLength(5);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

  it('points bin at the built server, which npm install builds', () => {
    expect(pkg.bin['clerk-invitations-mcp']).toBe('dist/index.js');
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(pkg.scripts.prepare).toBe('npm run build');
  });

  it('runs typecheck, lint and the tests in npm test', () => {
    expect(pkg.scripts.test).toMatch(/npm run typecheck && npm run lint && .*vitest run/);
  });
});

describe('npm run demo', () => {
  it('drives all five tools against the sandbox and exits 0', () => {
    const result = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: join(import.meta.dirname, '..'), env: baseEnv, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(0);
    for (const tool of ['getOrganizationInvitations', 'createOrganizationInvitations', 'bulkCreateOrganizationInvitations', 'getAllPendingOrganizationInvitations', 'revokePendingOrganizationInvitation']) {
      expect(result.stdout).toContain(`> ${tool}`);
    }
    expect(result.stdout).toContain('duplicate_record');
  });
});
