import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_BACKUP_CODE, SANDBOX_CODE, SANDBOX_PASSWORD, startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { BIN, freshConfig, runCli } from './helpers/cli.js';
import { clerkErrors, startFakeClerk, type FakeClerk } from './helpers/fake-clerk.js';

let sandbox: Sandbox;
let fake: FakeClerk | undefined;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.close();
  fake = undefined;
});

const login = (env: Record<string, string>, input: string, ...extra: string[]) => runCli(['login', '--frontend-api-url', sandbox.url, ...extra], env, input);

/** Lists org_sandbox's invitations with a client token, as the server would. */
async function invitationsStatus(token: string, sessionId: string): Promise<number> {
  const url = `${sandbox.url}/v1/organizations/org_sandbox/invitations?_is_native=1&_clerk_session_id=${sessionId}`;
  return (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('login with a password or an email code', () => {
  it('signs in with a password and saves a working client token for the host', async () => {
    const { env, store } = freshConfig();
    const run = await login(env, `admin@sandbox.test\n1\n${SANDBOX_PASSWORD}\n`);
    expect(run.stderr).toContain(`Signing in to ${sandbox.url}`);
    expect(run.stderr).toMatch(/How do you want to sign in\?\n {2}1\) password\n {2}2\) code sent by email to a\*\*\*@sandbox\.test/);
    expect(run.stderr).toMatch(/Signed in as admin@sandbox\.test \(user_sandbox_admin\), session sess_\w+\./);
    expect(run.stderr).toContain(`Credentials saved to ${store.path}`);
    expect(run.stderr).toMatch(/Organizations where you can manage members:\n {2}org_sandbox {2}Sandbox Inc {2}\(org:admin\)/);
    expect(run.code).toBe(0);
    const entry = store.get(sandbox.url);
    expect(entry).toMatchObject({ userId: 'user_sandbox_admin', email: 'admin@sandbox.test', sessionId: expect.stringMatching(/^sess_/) });
    expect(await invitationsStatus(entry!.clientToken, entry!.sessionId)).toBe(200);
    expect(run.stdout + run.stderr).not.toContain(entry!.clientToken);
  });

  it('takes a username, and --identifier instead of the question', async () => {
    const { env, store } = freshConfig();
    const run = await login(env, `\n${SANDBOX_PASSWORD}\n`, '--identifier', 'sandbox-admin');
    expect(run.stderr).not.toContain('Email address or username');
    expect(run.code).toBe(0);
    expect(store.get(sandbox.url)?.userId).toBe('user_sandbox_admin');
  });

  it('signs in with an email code: prepares it, then takes the code; a wrong code may be typed again', async () => {
    const { env, store } = freshConfig();
    const run = await login(env, `admin@sandbox.test\n2\n000000\n${SANDBOX_CODE}\n`);
    expect(run.stderr).toContain('A code was sent to a***@sandbox.test.');
    expect(run.stderr).toContain('Wrong code. Try again.');
    expect(run.code).toBe(0);
    expect(store.get(sandbox.url)?.email).toBe('admin@sandbox.test');
  });

  it('says "Wrong password." and gives up after three', async () => {
    const { env, store } = freshConfig();
    const run = await login(env, 'admin@sandbox.test\n1\nnope-1\nnope-2\nnope-3\n');
    expect(run.stderr.match(/Wrong password\. Try again\./g)).toHaveLength(2);
    expect(run.stderr).toContain('clerk-invitations-mcp: login failed: Wrong password.');
    expect(run.code).toBe(1);
    expect(store.get(sandbox.url)).toBeUndefined();
  });

  it('says so when the account is locked after too many wrong passwords', async () => {
    const { env } = freshConfig();
    await login(env, 'admin@sandbox.test\n1\nnope-1\nnope-2\nnope-3\n');
    const run = await login(env, 'admin@sandbox.test\n1\nnope-4\nnope-5\nnope-6\n');
    expect(run.stderr).toMatch(/login failed: Too many failed attempts: the account is locked\. Try again in about \d+ min/);
    expect(run.code).toBe(1);
  });

  it('says when no account matches', async () => {
    const { env } = freshConfig();
    const run = await login(env, 'nobody@sandbox.test\n');
    expect(run.stderr).toContain('login failed: No account matches that email address or username on this Clerk instance.');
    expect(run.code).toBe(1);
  });

  it('says when the instance has the Native API disabled', async () => {
    const disabled = await startSandbox({ nativeApi: false });
    const { env } = freshConfig();
    const run = await runCli(['login', '--frontend-api-url', disabled.url], env, 'admin@sandbox.test\n');
    await disabled.close();
    expect(run.stderr).toContain('login failed: The Native API is disabled on this Clerk instance: enable it in the Clerk Dashboard (Native applications), then sign in again.');
    expect(run.code).toBe(1);
  });

  it('says when Clerk rate limits sign-ins', async () => {
    fake = await startFakeClerk(() => ({ status: 429, headers: { 'retry-after': '0' }, json: clerkErrors({ code: 'too_many_requests' }) }));
    const { env } = freshConfig();
    const run = await runCli(['login', '--frontend-api-url', fake.url], env, 'admin@sandbox.test\n');
    expect(run.stderr).toContain('login failed: Too many attempts: Clerk is rate limiting sign-ins. Wait 0 s and try again.');
    expect(run.code).toBe(1);
    // The sign-in start is a POST: repeated only after 429, at most twice.
    expect(fake.requests).toHaveLength(3);
  });

  it('stops with a clear line when stdin ends before an answer', async () => {
    const { env } = freshConfig();
    const run = await login(env, 'admin@sandbox.test\n1\n');
    expect(run.stderr).toContain('clerk-invitations-mcp: no answer to "Password": stdin ended.');
    expect(run.code).toBe(1);
  });

  it('refuses a credentials file others can read before asking anything, and sends nothing', async () => {
    const { env, store } = freshConfig();
    await store.set('https://other.example', { clientToken: 'x', sessionId: 's', userId: 'u', email: undefined, savedAt: '' });
    chmodSync(store.path, 0o644);
    fake = await startFakeClerk(() => ({ status: 500 }));
    const run = await runCli(['login', '--frontend-api-url', fake.url], env, 'admin@sandbox.test\n');
    expect(run.stderr).toContain(`Fix it with: chmod 600 '${store.path}'`);
    expect(run.stderr).not.toContain('Email address');
    expect(run.code).toBe(1);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('login with a second factor', () => {
  for (const [choice, factor, code, sent] of [
    ['1', 'an authenticator app code', SANDBOX_CODE, undefined],
    ['2', 'an SMS code', SANDBOX_CODE, 'A code was sent to +1******0100.'],
    ['3', 'a backup code', SANDBOX_BACKUP_CODE, undefined],
  ] as const) {
    it(`asks for it after the password, and takes ${factor}`, async () => {
      const { env, store } = freshConfig();
      const run = await login(env, `mfa@sandbox.test\n1\n${SANDBOX_PASSWORD}\n${choice}\n${code}\n`);
      expect(run.stderr).toMatch(/Your account has a second factor\.\nWhich second factor\?\n {2}1\) code from your authenticator app\n {2}2\) code sent by SMS to \+1\*{6}0100\n {2}3\) backup code/);
      if (sent) expect(run.stderr).toContain(sent);
      expect(run.code).toBe(0);
      expect(store.get(sandbox.url)).toMatchObject({ userId: 'user_sandbox_mfa', email: 'mfa@sandbox.test' });
    });
  }

  it('says "Wrong code." for a wrong second factor', async () => {
    const { env, store } = freshConfig();
    const run = await login(env, `mfa@sandbox.test\n1\n${SANDBOX_PASSWORD}\n1\n111111\n222222\n333333\n`);
    expect(run.stderr).toMatch(/login failed: (Wrong code|Too many wrong codes: start the sign-in again)\./);
    expect(run.code).toBe(1);
    expect(store.get(sandbox.url)).toBeUndefined();
  });
});

describe('login on a new device (Clerk\'s client trust)', () => {
  it('confirms the device with the email code Clerk asks for, like a second factor', async () => {
    const signIn = (status: string, extra: object = {}) => ({ json: { response: { object: 'sign_in_attempt', id: 'sia_1', status, ...extra }, client: null }, headers: { authorization: 'client_token_trusted' } });
    fake = await startFakeClerk((r) => {
      if (r.path === '/v1/client/sign_ins') return signIn('needs_first_factor', { supported_first_factors: [{ strategy: 'password' }] });
      if (r.path.endsWith('/attempt_first_factor') || r.path.endsWith('/prepare_second_factor')) {
        return signIn('needs_client_trust', { supported_second_factors: [{ strategy: 'email_code', safe_identifier: 'a***@example.com', email_address_id: 'idn_1' }] });
      }
      if (r.path.endsWith('/attempt_second_factor')) return signIn('complete', { created_session_id: 'sess_1' });
      if (r.path === '/v1/client') {
        const client = { id: 'client_1', sessions: [{ id: 'sess_1', status: 'active', user: { id: 'user_1', primary_email_address_id: 'idn_1', email_addresses: [{ id: 'idn_1', email_address: 'ann@example.com' }] } }] };
        return { json: { response: client, client } };
      }
      return { json: { response: { data: [], total_count: 0 }, client: null } };
    });
    const { env, store } = freshConfig();
    const run = await runCli(['login', '--frontend-api-url', fake.url], env, 'ann@example.com\nsecret-password\n111111\n');
    expect(run.stderr).toContain('Clerk wants to confirm this new device.');
    expect(run.stderr).toContain('A code was sent to a***@example.com.');
    expect(run.code).toBe(0);
    const steps = fake.requests.filter((r) => r.method === 'POST').map((r) => [r.path.split('/').pop(), Object.fromEntries(r.form)]);
    expect(steps).toEqual([
      ['sign_ins', { identifier: 'ann@example.com' }],
      ['attempt_first_factor', { strategy: 'password', password: 'secret-password' }],
      ['prepare_second_factor', { strategy: 'email_code', email_address_id: 'idn_1' }],
      ['attempt_second_factor', { strategy: 'email_code', code: '111111' }],
    ]);
    expect(store.get(fake.url)).toMatchObject({ clientToken: 'client_token_trusted', sessionId: 'sess_1', userId: 'user_1', email: 'ann@example.com' });
    expect(run.stderr).toContain('Warning: this user may not manage members in any organization');
  });
});

describe('login --ticket', () => {
  it('reads the token from stdin with --ticket -', async () => {
    const { env, store } = freshConfig();
    const run = await login(env, `${sandbox.issueSignInTicket('user_sandbox_mfa')}\n`, '--ticket', '-');
    expect(run.code).toBe(0);
    expect(store.get(sandbox.url)?.userId).toBe('user_sandbox_mfa');
  });

  it('exchanges a sign-in token without asking anything, once', async () => {
    const { env, store } = freshConfig();
    const ticket = sandbox.issueSignInTicket();
    const run = await login(env, '', '--ticket', ticket);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('Email address');
    expect(store.get(sandbox.url)?.userId).toBe('user_sandbox_admin');
    const again = await login(env, '', '--ticket', ticket);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('login failed: The sign-in token was already used, and each works once: create a new sign-in token with the Backend API (POST /v1/sign_in_tokens).');
    expect(again.stderr).not.toContain(ticket);
  });
});

// ANSI control sequences (ESC [ … letter), as readline writes them to a terminal.
const CURSOR_MOVES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

describe('login in a terminal', () => {
  it('does not echo the password (driven through a pseudo-terminal)', async () => {
    const { env, store } = freshConfig();
    // util-linux `script` gives the command a pseudo-terminal; we answer each prompt as it appears.
    const child = spawn('script', ['-qfec', `'${process.execPath}' '${BIN}' login --frontend-api-url ${sandbox.url}`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    const answers: [RegExp, string][] = [
      [/Email address or username: $/, 'admin@sandbox.test\r'],
      [/Choose 1-2 \[1\]: $/, '1\r'],
      [/Password: $/, `${SANDBOX_PASSWORD}\r`],
    ];
    child.stdout.on('data', (chunk: Buffer) => {
      // Without readline's cursor moves, the screen ends with the question being asked.
      screen += chunk.toString('utf8').replace(CURSOR_MOVES, '');
      const next = answers[0];
      if (next && next[0].test(screen)) {
        answers.shift();
        child.stdin.write(next[1]);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(screen).toContain('Password:');
    expect(screen).toMatch(/Signed in as admin@sandbox\.test/);
    expect(screen).toContain('admin@sandbox.test'); // the identifier is echoed as typed…
    expect(screen).not.toContain(SANDBOX_PASSWORD); // …the password is not.
    expect(code).toBe(0);
    expect(store.get(sandbox.url)?.userId).toBe('user_sandbox_admin');
  });
});
