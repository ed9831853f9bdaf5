import { describe, expect, it } from 'vitest';
import { freshConfig, runCli } from './helpers/cli.js';
import { clerkErrors, envelope, startFakeClerk, type FakeClerk, type Reply } from './helpers/fake-clerk.js';

const PASSWORD = 'correct-horse-battery-42';
const TOKEN = 'fake_client_token_for_login';

let fake: FakeClerk | undefined;

const signIn = (status: string): Reply => ({ headers: { authorization: `Bearer ${TOKEN}` }, json: envelope({ object: 'sign_in_attempt', id: 'sia_1', status, supported_first_factors: [{ strategy: 'password' }] }) });

/** A Clerk stand-in whose sign-in starts with `first`, and answers the password with `attempt`. */
async function login(first: Reply, attempt: Reply = { status: 500 }) {
  fake = await startFakeClerk((req) => (req.path === '/v1/client/sign_ins' ? first : req.path === '/v1/client/sign_ins/sia_1/attempt_first_factor' ? attempt : { status: 404 }));
  const { env } = freshConfig();
  return runCli(['login', '--frontend-api-url', fake.url, '--identifier', 'someone@example.com'], env, `${PASSWORD}\n`);
}

describe('login explains what Clerk answers', () => {
  it('redacts a password that Clerk echoes in an error', async () => {
    const run = await login(signIn('needs_first_factor'), { status: 400, json: clerkErrors({ code: 'form_password_validation_failed', long_message: `The password "${PASSWORD}" was refused.` }) });
    expect(fake?.requests[1]?.form.get('password')).toBe(PASSWORD);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('login failed: Clerk refused (400 to POST /v1/client/sign_ins/sia_1/attempt_first_factor): form_password_validation_failed: The password "[redacted]" was refused.');
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('says what the instance must allow before asking anything', async () => {
    const run = await login(signIn('needs_first_factor'), signIn('complete'));
    const [, prerequisites = ''] = run.stderr.split('\n');
    expect(prerequisites).toMatch(/^Needs: the Native API enabled on the instance \(Clerk Dashboard → Native applications; Clerk warns it bypasses browser CAPTCHA\)\.$/);
    expect(run.stderr).toMatch(/\nOn applications created after 2025-11-14, Device Trust asks for an email or SMS code at each new login; an instance that offers only email links needs `.*login --ticket`\.\nPassword: /);
  });

  it.each([
    ['needs_new_password', 'login failed: Clerk wants a new password for this account first'],
    ['needs_protect_check', "login failed: Clerk's bot protection wants a check that only a browser can pass"],
  ])('explains the sign-in status %s in one line', async (status, line) => {
    const run = await login(signIn('needs_first_factor'), signIn(status));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(line);
    expect(run.stderr).not.toContain('a step a terminal cannot do');
  });
});
