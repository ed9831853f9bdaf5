import type { Env } from '../../env.js';
import { CommandError } from '../../errors.js';
import { command } from '../../invocation.js';
import { login } from '../login.js';
import { openBrowser } from './browser.js';
import { startSignInPage, type SignInPage } from './page.js';
import { pageTimeoutMs } from './timeout.js';

/**
 * The terminal login's sign-in (login.ts: the same steps, the same saving, the same report of the
 * organizations), asked on a page in the browser instead of in a terminal.
 */
export function startLoginPage(env: Env, identifier: string | undefined, mirror?: (line: string) => void): Promise<SignInPage> {
  return startSignInPage({
    title: 'Sign in to Clerk',
    run: (io) => login({ env, ticket: undefined, identifier }, io),
    expiresAfterMs: pageTimeoutMs(env),
    mirror,
  });
}

/** `clerk-invitations-mcp login --web`: the page, opened in the default browser where there is one; its address on stderr. */
export async function loginWeb(env: Env, identifier: string | undefined, say: (line: string) => void): Promise<void> {
  const timeoutMs = pageTimeoutMs(env);
  const page = await startLoginPage(env, identifier, say);
  const minutes = Math.max(1, Math.round(timeoutMs / 60_000));
  say(`Sign in on this page (it works once, and expires after ${minutes} min unused): ${page.url}`);
  const browser = await openBrowser(page.url, env);
  if (browser.kind === 'started') say('Opening it in your browser…');
  else if (browser.kind === 'failed') say(`Could not start a browser (${browser.why}): open the address above in yours.`);
  const outcome = await page.outcome;
  if (outcome.kind === 'expired') say('The sign-in page expired: it was left unused. It says so in the browser for a minute more.');
  // The page shows how it ended, then stops listening.
  await page.closed;
  if (outcome.kind === 'expired') throw new CommandError(`login failed: the sign-in page expired unused; run \`${command('login --web')}\` again.`);
  if (outcome.kind === 'failed') throw new CommandError(outcome.message);
}
