import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { spawn } from 'node:child_process';
import { BIN, freshConfig, runCli } from './helpers/cli.js';
import { startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

let sandbox: Sandbox;
let fake: FakeClerk | undefined;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.close();
  fake = undefined;
});

const at = (): string[] => ['--frontend-api-url', sandbox.url];

async function signedIn(): Promise<ReturnType<typeof freshConfig> & { clientToken: string; sessionId: string }> {
  const config = freshConfig();
  const run = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], config.env);
  expect(run.code).toBe(0);
  const { clientToken, sessionId } = config.store.get(sandbox.url)!;
  return { ...config, clientToken, sessionId };
}

/** What the sandbox answers a request for org_sandbox's invitations made with `token`. */
async function statusWith(token: string, sessionId: string): Promise<number> {
  const url = `${sandbox.url}/v1/organizations/org_sandbox/invitations?_is_native=1&_clerk_session_id=${sessionId}`;
  return (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('logout with a credentials file the store refuses', () => {
  it('open permissions (644): still ends the session at Clerk, removes the file, and says so', async () => {
    const { env, store, clientToken, sessionId } = await signedIn();
    chmodSync(store.path, 0o644);
    const run = await runCli(['logout', ...at()], env);
    expect(run.stdout).toBe(
      [
        `${store.path} is not in order, but logout read the sign-in for ${sandbox.url} from it anyway.`,
        `Signed out of ${sandbox.url}: Clerk ended the session.`,
        `Removed ${store.path}, which held only this sign-in.`,
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(0);
    expect(existsSync(store.path)).toBe(false);
    expect(await statusWith(clientToken, sessionId)).toBe(401);
    expect(run.stdout + run.stderr).not.toContain(clientToken);
  });

  it('damaged (an entry missing fields): ends the session, keeps the other hosts, and makes the file private again', async () => {
    const { env, store, clientToken, sessionId } = await signedIn();
    const other = { clientToken: 'other-host-token', sessionId: 'sess_other', userId: 'user_other', email: null, savedAt: '' };
    writeFileSync(store.path, JSON.stringify({ version: 1, hosts: { [sandbox.url]: { clientToken }, 'https://clerk.other.example': other } }), { mode: 0o644 });
    chmodSync(store.path, 0o644);
    const run = await runCli(['logout', ...at()], env);
    expect(run.stdout).toContain(`Signed out of ${sandbox.url}: Clerk ended the session.`);
    expect(run.stdout).toContain(`Removed the credentials for ${sandbox.url} from ${store.path}; it keeps 1 other sign-in(s) and is private again (mode 600).`);
    expect(run.code).toBe(0);
    expect(await statusWith(clientToken, sessionId)).toBe(401);
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toEqual({ version: 1, hosts: { 'https://clerk.other.example': other } });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it('when the file cannot be rewritten, ends the session but keeps the other hosts\' sign-ins, and says what to do', async () => {
    const { env, store, clientToken, sessionId } = await signedIn();
    // Other hosts' entries large enough that the rewrite crosses a 4 KiB file-size limit.
    const others = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`https://clerk.other${i}.example`, { clientToken: `other-host-token-${i}`.padEnd(150, 'x'), sessionId: 'sess_other', userId: 'user_other', email: null, savedAt: '' }]));
    const text = JSON.stringify({ version: 1, hosts: { [sandbox.url]: { clientToken }, ...others } });
    writeFileSync(store.path, text, { mode: 0o644 });
    chmodSync(store.path, 0o644);
    // A real failed write: a file-size limit, with SIGXFSZ ignored so the write fails with EFBIG.
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', 'trap "" XFSZ; ulimit -f 4; exec "$0" "$@"', process.execPath, BIN, 'logout', ...at()], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.stdout).toContain(`Signed out of ${sandbox.url}: Clerk ended the session.`);
    expect(await statusWith(clientToken, sessionId)).toBe(401);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the file was left as it is, with its other sign-ins`);
    expect(readFileSync(store.path, 'utf8')).toBe(text);
  });

  it('unparseable: says exactly why no session could be ended, leaves the file, and fails', async () => {
    const { env, store } = await signedIn();
    const damaged = readFileSync(store.path, 'utf8').slice(0, 40);
    writeFileSync(store.path, damaged);
    const run = await runCli(['logout', ...at()], env);
    expect(run.stderr).toBe(
      `clerk-invitations-mcp: logout could not read a client token for ${sandbox.url} from ${store.path} (it is not valid JSON), so no session was ended at Clerk; the file was left as it is. Remove it with: rm '${store.path}'\n`,
    );
    expect(run.code).toBe(1);
    expect(readFileSync(store.path, 'utf8')).toBe(damaged);
  });
});

describe('logout reports what Clerk did', () => {
  it('says the session had already ended when Clerk no longer knows the client, and still removes the entry', async () => {
    const { env, store, clientToken } = await signedIn();
    // Signed out elsewhere with the same token.
    expect((await fetch(`${sandbox.url}/v1/client?_is_native=1`, { method: 'DELETE', headers: { authorization: `Bearer ${clientToken}` } })).status).toBe(200);
    const run = await runCli(['logout', ...at()], env);
    expect(run.stdout).toBe(`The session at ${sandbox.url} had already ended.\nRemoved the credentials for ${sandbox.url} from ${store.path}.\n`);
    expect(run.code).toBe(0);
    expect(store.get(sandbox.url)).toBeUndefined();
  });

  it('sends DELETE /v1/client without _clerk_session_id, and takes the empty Bearer answer as done', async () => {
    const config = freshConfig();
    fake = await startFakeClerk(() => ({ json: { response: { object: 'client', id: 'client_1', sessions: [] }, client: null }, headers: { authorization: 'Bearer ' } }));
    await config.store.set(fake.url, { clientToken: 'client_token_to_end', sessionId: 'sess_1', userId: 'user_1', email: undefined, savedAt: '' });
    const run = await runCli(['logout', '--frontend-api-url', fake.url], config.env);
    expect(run.stdout).toBe(`Signed out of ${fake.url}: Clerk ended the session.\nRemoved the credentials for ${fake.url} from ${config.store.path}.\n`);
    expect(fake.requests.map((r) => [r.method, r.path, r.query.get('_clerk_session_id'), r.headers.authorization])).toEqual([['DELETE', '/v1/client', null, 'Bearer client_token_to_end']]);
  });
});

describe('login again', () => {
  it('ends the session it replaces in the file, and says so', async () => {
    const { env, store, clientToken, sessionId } = await signedIn();
    const run = await runCli(['login', ...at(), '--ticket', sandbox.issueSignInTicket()], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("Ended the previous sign-in's session at Clerk.");
    expect(await statusWith(clientToken, sessionId)).toBe(401);
    const now = store.get(sandbox.url)!;
    expect(now.clientToken).not.toBe(clientToken);
    expect(await statusWith(now.clientToken, now.sessionId)).toBe(200);
    expect(run.stdout + run.stderr).not.toContain(clientToken);
  });
});

describe('login again while a server rotates the stored token', () => {
  it('ends the replaced sign-in with its latest token, read when the new one is saved', async () => {
    const { env, store, clientToken, sessionId } = await signedIn();
    // `--ticket -` waits for the ticket on stdin: meanwhile a server's write rotates the stored token.
    const child = spawn(process.execPath, [BIN, 'login', ...at(), '--ticket', '-'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await expect.poll(() => stderr).toContain('Signing in to');
    const url = `${sandbox.url}/v1/organizations/org_sandbox/invitations?_is_native=1&_clerk_session_id=${sessionId}`;
    const create = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email_address=late%40example.com&role=org%3Amember' });
    expect(create.status).toBe(200);
    const rotated = (create.headers.get('authorization') ?? '').replace(/^Bearer /, '');
    expect(rotated).not.toBe(clientToken);
    expect(await store.rotate(sandbox.url, clientToken, rotated)).toBe(true);
    child.stdin.end(`${sandbox.issueSignInTicket()}\n`);
    expect(await exited).toBe(0);
    expect(stderr).toContain("Ended the previous sign-in's session at Clerk.");
    expect(await statusWith(rotated, sessionId)).toBe(401);
  });
});

describe('whoami after the stored sign-in ended elsewhere', () => {
  it('says in one line that the sign-in was replaced or ended, and how to sign in again', async () => {
    const { env, clientToken } = await signedIn();
    // Signed out with the same token from elsewhere: the stored token is now stale.
    await fetch(`${sandbox.url}/v1/client?_is_native=1`, { method: 'DELETE', headers: { authorization: `Bearer ${clientToken}` } });
    const run = await runCli(['whoami', ...at()], env);
    expect(run.stderr).toMatch(/^clerk-invitations-mcp: whoami failed: Clerk answered GET \/v1\/client for another client \(a new one, without sessions\): this sign-in was replaced or has ended; sign in again with `node dist\/index\.js login` in a terminal or `node dist\/index\.js login --web` in a browser\.\n$/);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
  });
});
