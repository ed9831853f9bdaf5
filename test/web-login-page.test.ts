import { afterEach, describe, expect, it } from 'vitest';
import { startSignInPage, type SignInPage } from '../src/cli/web-login/page.js';

// The page itself, without a browser: what Clerk sends is shown as text, never as markup.

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
