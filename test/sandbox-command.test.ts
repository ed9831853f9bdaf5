import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, BIN, runCli } from './helpers/cli.js';
import { backend, signInWithOAuth } from './helpers/sandbox-oauth.js';

let occupier: Server | undefined;
let running: ChildProcess | undefined;
afterEach(async () => {
  if (running !== undefined && running.exitCode === null) {
    const exited = new Promise((resolve) => running?.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }
  running = undefined;
  await new Promise<void>((resolve) => (occupier ? occupier.close(() => resolve()) : resolve()));
  occupier = undefined;
});

describe('the sandbox command', () => {
  it('on a busy port, says so in one line naming --port and exits 1, without a stack trace', async () => {
    // The port is taken on the very interface the sandbox binds to.
    occupier = createServer();
    const taken = await new Promise<number>((resolve) => occupier?.listen(0, '127.0.0.1', () => resolve((occupier?.address() as { port: number }).port)));
    const result = await runCli(['sandbox', '--port', String(taken)], baseEnv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`clerk-invitations-mcp: port ${taken} is in use: choose another with --port <n>, or --port 0 for any free port.\n`);
  });
});

/** Starts `sandbox --port 0` and waits for the last line it prints (the users' list ends with the backup code). */
async function startCommand(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0'], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running = child;
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('sandbox-backup-code)')) resolve(stdout);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${stdout}`)));
  });
}

describe('the sandbox command, for hosted mode', () => {
  it('prints the OAuth issuer, the Backend API URL and its secret key, honouring the CLERK_SANDBOX_ variables', async () => {
    const secretKey = 'sk_test_fixedForReplicas0123456789';
    const printed = await startCommand({ CLERK_SANDBOX_SECRET_KEY: secretKey, CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS: '7' });
    const issuer = /OAuth authorization server \(issuer\): (\S+)/.exec(printed)?.[1] ?? '';
    const backendApiUrl = /Backend API: (\S+)/.exec(printed)?.[1] ?? '';
    expect(backendApiUrl).toBe(`${issuer}/bapi/v1`);
    expect(printed).toContain(`Backend API secret key (a sandbox-only value, not a Clerk secret): ${secretKey}`);
    expect(printed).toContain('member@sandbox.test (username sandbox-member)  member of org_sandbox, who may not invite');
    expect((await backend({ backendApiUrl, secretKey }, 'GET', '/organizations/org_sandbox/invitations')).status).toBe(200);
    const tokens = await signInWithOAuth(issuer, 'admin@sandbox.test');
    expect(tokens.expires_in).toBe(7);
  });

  it('refuses an unusable CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS in one line naming it', async () => {
    const result = await runCli(['sandbox', '--port', '0'], { ...baseEnv, CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS: 'soon' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('clerk-invitations-mcp: CLERK_SANDBOX_ACCESS_TOKEN_TTL_SECONDS must be a positive whole number of seconds.\n');
  });
});
