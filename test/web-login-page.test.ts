import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/arguments.js';
import { browserCommand, openBrowser } from '../src/cli/web-login/browser.js';
import { pageTimeoutMs } from '../src/cli/web-login/timeout.js';
import { freshConfig, runCli } from './helpers/cli.js';
import { startSignInPage, type SignInPage } from '../src/cli/web-login/page.js';

// The page itself, without a browser: what Clerk sends is shown as text, never as markup; and
// how the browser is opened.

let page: SignInPage | undefined;
afterEach(() => {
  page?.close();
  page = undefined;
});

describe('the sign-in page', () => {
  it('escapes what the flow says and asks (names, emails and messages come from Clerk)', async () => {
    page = await startSignInPage({
      title: 'Sign in to Clerk',
      run: async (io) => {
        io.say('Organization <script>alert(1)</script> & "Co" \'x\'');
        await io.ask('Pick <img src=x onerror=alert(1)>: ');
      },
      expiresAfterMs: 60_000,
    });
    const html = await (await fetch(page.url)).text();
    expect(html).toContain('Organization &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;');
    expect(html).toContain('<label for="answer">Pick &lt;img src=x onerror=alert(1)&gt;</label>');
    expect(html).not.toMatch(/<script|<img/);
  });

  it('ends the flow as expired when left unused, and answers 410 saying so', async () => {
    let failure: unknown;
    page = await startSignInPage({
      title: 'Sign in to Clerk',
      run: (io) => io.ask('Email address or username: ').then(() => undefined, (error: unknown) => void (failure = error)),
      expiresAfterMs: 200,
    });
    expect(await page.outcome).toEqual({ kind: 'expired' });
    expect(String(failure)).toMatch(/the sign-in page expired/);
    const response = await fetch(page.url);
    expect(response.status).toBe(410);
    expect(await response.text()).toContain('This sign-in page has expired');
  });
});

describe('opening the browser', () => {
  it('runs BROWSER with the address, and says so; says it failed when BROWSER cannot be started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cim-browser-'));
    const opened = join(dir, 'opened');
    const script = join(dir, 'browser.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(script, 0o755);
    const url = 'http://127.0.0.1:1/abc';
    expect(await openBrowser(url, { BROWSER: script })).toEqual({ kind: 'started' });
    await expect.poll(() => existsSync(opened) && readFileSync(opened, 'utf8'), { timeout: 30_000 }).toBe(url);
    // A browser that is not there: a failure to start, reported, never thrown.
    const missing = join(dir, 'no-such-browser');
    expect(await openBrowser(url, { BROWSER: missing })).toEqual({ kind: 'failed', why: `${missing}: spawn ${missing} ENOENT` });
    expect(await openBrowser(url, { BROWSER: 'none' })).toEqual({ kind: 'none' });
    // Linux without a display: nothing to open (the address is printed instead).
    expect(await openBrowser(url, {}, 'linux')).toEqual({ kind: 'none' });
  });

  it('opens the address on Windows with rundll32\'s URL handler, the address one plain argument (no cmd, no quoted empty title)', () => {
    const url = 'http://127.0.0.1:5000/AbC-_x?a=1&b=2';
    expect(browserCommand(url, {}, 'win32')).toEqual({ command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] });
    expect(browserCommand(url, {}, 'darwin')).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, { DISPLAY: ':0' }, 'linux')).toEqual({ command: 'xdg-open', args: [url] });
  });
});

describe('login --web on the command line', () => {
  it('goes with login only, not with --ticket, and takes --identifier', () => {
    expect(parseCli(['login', '--web', '--identifier', 'ann@example.com'], {})).toMatchObject({ command: 'login', web: true, identifier: 'ann@example.com' });
    expect(parseCli(['login'], {}).web).toBe(false);
    expect(() => parseCli(['whoami', '--web'], {})).toThrow('--web goes with the login command.');
    expect(() => parseCli(['login', '--web', '--ticket', 'x'], {})).toThrow('--web and --ticket are two ways to sign in: choose one.');
  });

  it('reads CLERK_LOGIN_PAGE_TIMEOUT_MS, refusing what is not a number of milliseconds', () => {
    expect(pageTimeoutMs({})).toBe(600_000);
    expect(pageTimeoutMs({ CLERK_LOGIN_PAGE_TIMEOUT_MS: ' 1500 ' })).toBe(1500);
    for (const bad of ['0', '-1', '10m', '1.5']) expect(() => pageTimeoutMs({ CLERK_LOGIN_PAGE_TIMEOUT_MS: bad })).toThrow(`CLERK_LOGIN_PAGE_TIMEOUT_MS must be a number of milliseconds, not '${bad}'`);
  });

  it('stops the server at start on a wrong CLERK_LOGIN_PAGE_TIMEOUT_MS, before any call needs the page', async () => {
    const run = await runCli([], { ...freshConfig().env, CLERK_FRONTEND_API_URL: 'http://127.0.0.1:9', CLERK_LOGIN_PAGE_TIMEOUT_MS: '10m' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("CLERK_LOGIN_PAGE_TIMEOUT_MS must be a number of milliseconds, not '10m'");
    expect(run.stdout).toBe('');
  });
});
