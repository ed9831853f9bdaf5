import type { Env } from '../../env.js';
import { ConfigError } from '../../errors.js';

// Apart from the page, so that the server checks the setting at start without loading the page.

/** How long a sign-in page may be left unused, by default. */
export const PAGE_TIMEOUT_MS = 10 * 60_000;

/** CLERK_LOGIN_PAGE_TIMEOUT_MS, or the default; a value that is not a positive whole number is refused. */
export function pageTimeoutMs(env: Env): number {
  const raw = env.CLERK_LOGIN_PAGE_TIMEOUT_MS?.trim();
  if (!raw) return PAGE_TIMEOUT_MS;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ConfigError(`CLERK_LOGIN_PAGE_TIMEOUT_MS must be a number of milliseconds, not '${raw}'`);
  return Number(raw);
}
