import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClerkClient } from '../src/clerk/client.js';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { SANDBOX_PASSWORD } from '../src/sandbox/users.js';
import { BIN, freshConfig, runCli, type CliRun } from './helpers/cli.js';
import { testSettings } from './helpers/connect.js';

// An unusable credentials file: whoami, login and the tools each give the one fix that works, and
// following it as written (run in a shell) makes the next command work.

let sandbox: Sandbox;
let client: Client | undefined;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await sandbox.close();
});

const at = (): string[] => ['--frontend-api-url', sandbox.url];
const LIST = { name: 'getOrganizationInvitations', arguments: { organization_id: 'org_sandbox' } };
// What a person types to interactive login at the sandbox: who, the first factor (password), the password.
const TYPED_LOGIN = `admin@sandbox.test\n1\n${SANDBOX_PASSWORD}\n`;

async function signedIn(): Promise<ReturnType<typeof freshConfig>> {
  const config = freshConfig();
  expect((await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], config.env)).code).toBe(0);
  return config;
}

/** Runs a command line from a message in a shell, as a person pasting it would (answers on stdin). */
function follow(commandLine: string, env: Record<string, string>, input = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', commandLine], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that exits before reading its stdin (chmod) closes the pipe: EPIPE there is no failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The command after `marker` in a message: what the message tells the user to run. */
const advised = (message: string, marker: string): string => {
  const [, line] = message.split(marker);
  expect(line).toBeDefined();
  return line!.trim();
};

async function serverOverStdio(env: Record<string, string>): Promise<Client> {
  client = new Client({ name: 'advice', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN], env: { ...env, CLERK_FRONTEND_API_URL: sandbox.url }, stderr: 'pipe' }));
  return client;
}
const text = (result: Awaited<ReturnType<Client['callTool']>>): string => ((result as CallToolResult).content[0] as { text: string }).text;

describe('a credentials file others can read (mode 644)', () => {
  const refusal = (path: string): string => `${path} is accessible by other users (mode 644); it holds a Clerk client token. Fix it with: chmod 600 '${path}'`;

  it('whoami gives only the chmod, and works once it is run', async () => {
    const { env, store } = await signedIn();
    chmodSync(store.path, 0o644);
    const run = await runCli(['whoami', ...at()], env);
    expect(run.stderr).toBe(`clerk-invitations-mcp: ${refusal(store.path)}\n`);
    expect(run.code).toBe(1);
    expect((await follow(advised(run.stderr, 'Fix it with: '), env)).code).toBe(0);
    const again = await runCli(['whoami', ...at()], env);
    expect(again.stdout).toContain('User:          admin@sandbox.test (user_sandbox_admin)');
    expect(again.code).toBe(0);
  });

  it('login gives the same chmod, and signs in once it is run', async () => {
    const { env, store } = await signedIn();
    chmodSync(store.path, 0o644);
    const run = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], env);
    expect(run.stderr).toBe(`clerk-invitations-mcp: ${refusal(store.path)}\n`);
    expect(run.code).toBe(1);
    expect((await follow(advised(run.stderr, 'Fix it with: '), env)).code).toBe(0);
    const again = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], env);
    expect(again.stderr).toContain('Signed in as admin@sandbox.test');
    expect(again.code).toBe(0);
  });

  it('a tool answers with only the chmod (no "run login"), and works once it is run, without a restart', async () => {
    const { env, store } = await signedIn();
    chmodSync(store.path, 0o644);
    const server = await serverOverStdio(env);
    const refused = await server.callTool(LIST);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe(`getOrganizationInvitations failed: ${refusal(store.path)}`);
    expect((await follow(advised(text(refused), 'Fix it with: '), env)).code).toBe(0);
    const listed = await server.callTool(LIST);
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as { total_count: number }).total_count).toBeGreaterThan(0);
  });
});

describe('a damaged credentials file', () => {
  const refusal = (path: string, why: string, login: string): string =>
    `The credentials file ${path} is damaged (${why}). Move it aside and sign in again, in a terminal: mv '${path}' '${path}.damaged' && ${login}`;

  it('whoami and login say to move it aside and sign in again; doing so as written works', async () => {
    const { env, store } = await signedIn();
    const damaged = readFileSync(store.path, 'utf8').slice(0, 60);
    writeFileSync(store.path, damaged);
    const message = `clerk-invitations-mcp: ${refusal(store.path, 'not valid JSON', 'node dist/index.js login')}\n`;
    const whoami = await runCli(['whoami', ...at()], env);
    expect(whoami.stderr).toBe(message);
    expect(whoami.code).toBe(1);
    const login = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], env);
    expect(login.stderr).toBe(message);
    expect(login.code).toBe(1);
    // Pasted as it is, in a terminal where the host is configured, answering login's questions.
    const followed = await follow(advised(whoami.stderr, 'in a terminal: '), { ...env, CLERK_FRONTEND_API_URL: sandbox.url }, TYPED_LOGIN);
    expect(followed.stderr).toContain('Signed in as admin@sandbox.test');
    expect(followed.code).toBe(0);
    expect(readFileSync(`${store.path}.damaged`, 'utf8')).toBe(damaged);
    const again = await runCli(['whoami', ...at()], env);
    expect(again.stdout).toContain('User:          admin@sandbox.test (user_sandbox_admin)');
    expect(again.code).toBe(0);
  });

  it('a tool says the same (with the command as the server was started), and works once it is followed, without a restart', async () => {
    const { env, store } = await signedIn();
    writeFileSync(store.path, readFileSync(store.path, 'utf8').slice(0, 60));
    const server = await serverOverStdio(env);
    const refused = await server.callTool(LIST);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe(`getOrganizationInvitations failed: ${refusal(store.path, 'not valid JSON', `node ${BIN} login --frontend-api-url ${sandbox.url}`)}`);
    // Pasted into a terminal that has none of the MCP client's settings: the command names the instance.
    const followed = await follow(advised(text(refused), 'in a terminal: '), env, TYPED_LOGIN);
    expect(followed.code).toBe(0);
    const listed = await server.callTool(LIST);
    expect(listed.isError).toBeFalsy();
  });

  it('an empty client token is damage: refused with the same advice, never used as a secret (9.19)', async () => {
    const { env, store } = await signedIn();
    const file = JSON.parse(readFileSync(store.path, 'utf8')) as { hosts: Record<string, { clientToken: string }> };
    file.hosts[sandbox.url]!.clientToken = '';
    writeFileSync(store.path, JSON.stringify(file));
    const why = `the entry for "${sandbox.url}" has an empty client token`;
    const whoami = await runCli(['whoami', ...at()], env);
    expect(whoami.stderr).toBe(`clerk-invitations-mcp: ${refusal(store.path, why, 'node dist/index.js login')}\n`);
    const server = await serverOverStdio(env);
    const refused = await server.callTool(LIST);
    // Readable as written: an empty "secret" would have put [redacted] between every two characters.
    expect(text(refused)).toBe(`getOrganizationInvitations failed: ${refusal(store.path, why, `node ${BIN} login --frontend-api-url ${sandbox.url}`)}`);
  });
});

describe('secrets the client must hide', () => {
  it('ignores an empty or blank secret, which would otherwise match between every two characters', () => {
    const clerk = new ClerkClient(testSettings({ baseUrl: 'http://127.0.0.1:9', clientToken: 'client_token_real' }));
    clerk.addSecret('');
    clerk.addSecret('  ');
    clerk.useCredentials({ clientToken: '', sessionId: undefined });
    expect(clerk.redact('a message with client_token_real in it')).toBe('a message with [redacted] in it');
  });
});
