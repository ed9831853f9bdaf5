import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CODE, SANDBOX_PASSWORD, startSandbox, type Sandbox } from '../src/sandbox/simulator.js';
import { answer, HANG_MS, pick, launchChromium, PAGE_URL, rawRequest, recordingProxy, screenshots, startBin, type RunningBin } from './helpers/browser.js';
import { freshConfig } from './helpers/cli.js';
import { startFakeClerk } from './helpers/fake-clerk.js';

// `login --web` end to end: the built bin serves the page, headless Chromium (Debian's) fills it
// in, the sandbox plays Clerk. Screenshots of every step land in test-results/web-login/.

let browser: BrowserContext;
let sandbox: Sandbox;
let bin: RunningBin | undefined;
beforeAll(async () => {
  browser = await launchChromium();
}, HANG_MS);
afterAll(() => browser.close());
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  if (bin && bin.child.exitCode === null) bin.child.kill();
  bin = undefined;
  await sandbox.close();
});

/** `login --web` against `clerk` (the sandbox by default), with its page's address. */
async function loginWeb(env: Record<string, string>, clerk = sandbox.url, extra: Record<string, string> = {}): Promise<{ url: string; bin: RunningBin }> {
  bin = startBin(['login', '--web', '--frontend-api-url', clerk], { ...env, BROWSER: 'none', ...extra });
  const [, url] = await bin.waitFor(PAGE_URL);
  return { url: url!, bin };
}

/** Opens the page in a new tab, and the screenshot taker for this test. */
async function open(url: string, name: string): Promise<{ page: Page; shot: (step: string) => Promise<void> }> {
  const page = await browser.newPage();
  await page.goto(url);
  return { page, shot: screenshots(page, name) };
}

const text = (page: Page): Promise<string> => page.innerText('main');
const waitForText = (page: Page, wanted: string): Promise<unknown> => page.getByText(wanted, { exact: false }).first().waitFor({ timeout: HANG_MS });

describe('login --web', { timeout: 4 * HANG_MS }, () => {
  it('signs in with a password, saves the credentials as login does, shows the organizations, and stops', async () => {
    const { env, store } = freshConfig();
    const { url, bin } = await loginWeb(env);
    const { page, shot } = await open(url, 'password');
    expect(await page.innerText('label')).toBe('Email address or username');
    await shot('identifier');
    await answer(page, 'admin@sandbox.test');
    await waitForText(page, 'How do you want to sign in?');
    expect(await page.locator('label.option').allInnerTexts()).toEqual(['password', 'code sent by email to a***@sandbox.test']);
    expect(await page.isChecked('input[type=radio][value="0"]')).toBe(true);
    await shot('choose-factor');
    await pick(page, 'password');
    await waitForText(page, 'Password');
    expect(await page.getAttribute('input[name=answer]', 'type')).toBe('password');
    await shot('password');
    await answer(page, SANDBOX_PASSWORD);
    await waitForText(page, 'Signed in as admin@sandbox.test');
    await shot('signed-in');
    const done = await text(page);
    expect(done).toMatch(/Organizations where you can manage members:\s+org_sandbox\s+Sandbox Inc\s+\(org:admin\)/);
    expect(done).toContain(`Credentials saved to ${store.path}`);
    expect(await bin.exited).toBe(0);
    const entry = store.get(sandbox.url);
    expect(entry).toMatchObject({ userId: 'user_sandbox_admin', email: 'admin@sandbox.test', sessionId: expect.stringMatching(/^sess_/) });
    expect(bin.stderr()).toMatch(/Signed in as admin@sandbox\.test/);
    expect(bin.stderr() + done).not.toContain(entry!.clientToken);
    expect(bin.stderr()).not.toContain(SANDBOX_PASSWORD);
    // It has stopped: the address no longer answers.
    await expect(fetch(url)).rejects.toThrow();
  });

  it('signs in with an email code', async () => {
    const { env, store } = freshConfig();
    const { url, bin } = await loginWeb(env);
    const { page, shot } = await open(url, 'email-code');
    await answer(page, 'admin@sandbox.test');
    await waitForText(page, 'How do you want to sign in?');
    await pick(page, 'code sent by email');
    await waitForText(page, 'A code was sent to a***@sandbox.test.');
    await shot('code');
    await answer(page, SANDBOX_CODE);
    await waitForText(page, 'Signed in as admin@sandbox.test');
    await shot('signed-in');
    expect(await bin.exited).toBe(0);
    expect(store.get(sandbox.url)?.email).toBe('admin@sandbox.test');
  });

  it('asks for the second factor of an account that has one', async () => {
    const { env, store } = freshConfig();
    const { url, bin } = await loginWeb(env);
    const { page, shot } = await open(url, 'second-factor');
    await answer(page, 'mfa@sandbox.test');
    await waitForText(page, 'How do you want to sign in?');
    await pick(page, 'password');
    await waitForText(page, 'Password');
    await answer(page, SANDBOX_PASSWORD);
    await waitForText(page, 'Your account has a second factor.');
    expect(await page.innerText('legend')).toBe('Which second factor?');
    expect(await page.locator('label.option').allInnerTexts()).toEqual(['code from your authenticator app', 'code sent by SMS to +1******0100', 'backup code']);
    await shot('choose-second-factor');
    await pick(page, 'authenticator app');
    await waitForText(page, 'Code');
    expect(await page.getAttribute('input[name=answer]', 'type')).toBe('password');
    await shot('authenticator-code');
    await answer(page, SANDBOX_CODE);
    await waitForText(page, 'Signed in as mfa@sandbox.test');
    await shot('signed-in');
    expect(await bin.exited).toBe(0);
    expect(store.get(sandbox.url)).toMatchObject({ userId: 'user_sandbox_mfa', email: 'mfa@sandbox.test' });
  });

  it('says a password is wrong, and takes the right one after it', async () => {
    const { env, store } = freshConfig();
    const { url, bin } = await loginWeb(env);
    const { page, shot } = await open(url, 'wrong-password');
    await answer(page, 'admin@sandbox.test');
    await waitForText(page, 'How do you want to sign in?');
    await pick(page, 'password');
    await waitForText(page, 'Password');
    await answer(page, 'not-the-password');
    await waitForText(page, 'Wrong password. Try again.');
    expect(await page.innerText('label')).toBe('Password');
    await shot('wrong-password');
    expect(store.get(sandbox.url)).toBeUndefined();
    await answer(page, SANDBOX_PASSWORD);
    await waitForText(page, 'Signed in as admin@sandbox.test');
    await shot('signed-in');
    expect(await bin.exited).toBe(0);
    expect(store.get(sandbox.url)?.userId).toBe('user_sandbox_admin');
    expect(bin.stderr()).not.toContain('not-the-password');
  });

  it('says it could not start the browser when BROWSER names no program, rather than "Opening it in your browser"', async () => {
    const { env } = freshConfig();
    const { url, bin } = await loginWeb(env, sandbox.url, { BROWSER: '/nonexistent/browser' });
    await bin.waitFor(/Could not start a browser \(\/nonexistent\/browser: spawn \/nonexistent\/browser ENOENT\): open the address above in yours\./);
    expect(bin.stderr()).not.toContain('Opening it in your browser');
    // The page is there all the same.
    expect((await fetch(url)).status).toBe(200);
  });

  it('expires when left unused, says so on the page, and saves nothing', async () => {
    const { env, store } = freshConfig();
    const { url, bin } = await loginWeb(env, sandbox.url, { CLERK_LOGIN_PAGE_TIMEOUT_MS: '1500' });
    const { page, shot } = await open(url, 'expired');
    await bin.waitFor(/The sign-in page expired/);
    await page.fill('input[name=answer]', 'admin@sandbox.test');
    const [response] = await Promise.all([page.waitForResponse(() => true), page.click('button[type=submit]')]);
    expect(response.status()).toBe(410);
    await waitForText(page, 'This sign-in page has expired');
    await shot('expired');
    expect((await fetch(url)).status).toBe(410);
    expect(store.get(sandbox.url)).toBeUndefined();
  });
});

describe('login --web on a new device (Clerk\'s client trust), with what Clerk sends shown as text', { timeout: 4 * HANG_MS }, () => {
  it('confirms the device with the email code Clerk asks for, and shows a hostile organization name as text', async () => {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const signIn = (status: string, extra: object = {}) => ({ json: { response: { object: 'sign_in_attempt', id: 'sia_1', status, ...extra }, client: null }, headers: { authorization: 'client_token_trusted' } });
    const fake = await startFakeClerk((r) => {
      if (r.path === '/v1/client/sign_ins') return signIn('needs_first_factor', { supported_first_factors: [{ strategy: 'password' }] });
      if (r.path.endsWith('/attempt_first_factor') || r.path.endsWith('/prepare_second_factor')) {
        return signIn('needs_client_trust', { supported_second_factors: [{ strategy: 'email_code', safe_identifier: 'a***@example.com', email_address_id: 'idn_1' }] });
      }
      if (r.path.endsWith('/attempt_second_factor')) return signIn('complete', { created_session_id: 'sess_1' });
      if (r.path === '/v1/client') {
        const client = { id: 'client_1', sessions: [{ id: 'sess_1', status: 'active', user: { id: 'user_1', primary_email_address_id: 'idn_1', email_addresses: [{ id: 'idn_1', email_address: 'ann@example.com' }] } }] };
        return { json: { response: client, client } };
      }
      const membership = { organization: { id: 'org_1', name: hostile }, role: 'org:admin', permissions: ['org:sys_memberships:manage'] };
      return { json: { response: { data: [membership], total_count: 1 }, client: null } };
    });
    const { env, store } = freshConfig();
    const { url, bin } = await loginWeb(env, fake.url);
    const { page, shot } = await open(url, 'client-trust');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => void (dialogs.push(dialog.message()), dialog.dismiss()));
    await answer(page, 'ann@example.com');
    await waitForText(page, 'Password');
    await answer(page, 'secret-password');
    await waitForText(page, 'Clerk wants to confirm this new device.');
    await waitForText(page, 'A code was sent to a***@example.com.');
    await shot('device-code');
    await answer(page, '111111');
    await waitForText(page, 'Signed in as ann@example.com');
    await shot('signed-in');
    expect(await text(page)).toContain(`org_1  ${hostile}  (org:admin)`);
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(await bin.exited).toBe(0);
    const steps = fake.requests.filter((r) => r.method === 'POST').map((r) => [r.path.split('/').pop(), Object.fromEntries(r.form)]);
    expect(steps).toEqual([
      ['sign_ins', { identifier: 'ann@example.com' }],
      ['attempt_first_factor', { strategy: 'password', password: 'secret-password' }],
      ['prepare_second_factor', { strategy: 'email_code', email_address_id: 'idn_1' }],
      ['attempt_second_factor', { strategy: 'email_code', code: '111111' }],
    ]);
    expect(store.get(fake.url)).toMatchObject({ clientToken: 'client_token_trusted', sessionId: 'sess_1', userId: 'user_1' });
  });
});

describe('the sign-in page refuses what is not its own', { timeout: 4 * HANG_MS }, () => {
  it('refuses a foreign Origin (a form on another site, with the right CSRF token) with 403, and sends nothing to Clerk', async () => {
    const clerk = await recordingProxy(sandbox.url);
    try {
      const { env, store } = freshConfig();
      const { url } = await loginWeb(env, clerk.url);
      const { page, shot } = await open(url, 'foreign-origin');
      const csrf = await page.getAttribute('input[name=csrf]', 'value');
      // Another site (another origin: another port) whose page posts to the sign-in page.
      const evil = await browser.newPage();
      await evil.route('http://evil.test/', (route) =>
        route.fulfill({ contentType: 'text/html', body: `<form method="post" action="${url}"><input name="csrf" value="${csrf}"><input name="step" value="1"><input name="answer" value="admin@sandbox.test"><button>go</button></form>` }),
      );
      await evil.goto('http://evil.test/');
      const [response] = await Promise.all([evil.waitForResponse(url), evil.click('button')]);
      expect(response.status()).toBe(403);
      await screenshots(evil, 'foreign-origin-evil')('refused');
      // The page still asks its first question, and nothing reached Clerk but the page's own start.
      await page.reload();
      expect(await page.innerText('label')).toBe('Email address or username');
      await shot('still-first-question');
      expect(clerk.seen.filter((r) => r.startsWith('POST'))).toEqual([]);
      // Nor a foreign Host (DNS rebinding), even for a GET.
      const host = await rawRequest(url, { method: 'GET', headers: { Host: 'evil.test' } });
      expect(host.status).toBe(403);
      expect(store.get(clerk.url)).toBeUndefined();
    } finally {
      await clerk.close();
    }
  });

  it('refuses a POST with the CSRF token missing or wrong, and sends nothing to Clerk', async () => {
    const clerk = await recordingProxy(sandbox.url);
    try {
      const { env } = freshConfig();
      const { url } = await loginWeb(env, clerk.url);
      const origin = new URL(url).origin;
      const post = (body: string) => rawRequest(url, { method: 'POST', headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' }, body });
      const page = await (await fetch(url)).text();
      const csrf = /name="csrf" value="([\w-]+)"/.exec(page)?.[1];
      expect(csrf).toMatch(/^[\w-]{43}$/);
      const missing = await post('step=1&answer=admin%40sandbox.test');
      expect(missing.status).toBe(403);
      const wrong = await post(`csrf=${'A'.repeat(43)}&step=1&answer=admin%40sandbox.test`);
      expect(wrong.status).toBe(403);
      // No Origin at all: not this page's form either.
      const noOrigin = await rawRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}&step=1&answer=admin%40sandbox.test` });
      expect(noOrigin.status).toBe(403);
      expect(clerk.seen.filter((r) => r.startsWith('POST'))).toEqual([]);
      // The right token goes through: the refusals above were for the token alone.
      const right = await post(`csrf=${csrf}&step=1&answer=admin%40sandbox.test`);
      expect(right.status).toBe(303);
      expect(clerk.seen).toContain('POST /v1/client/sign_ins');
    } finally {
      await clerk.close();
    }
  });

  it('answers with a strict Content-Security-Policy and no caching, framing or referrer', async () => {
    const { env } = freshConfig();
    const { url } = await loginWeb(env);
    const response = await fetch(url);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none';/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    const html = await response.text();
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  });
});
