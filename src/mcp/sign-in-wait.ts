import type { ServerContext } from '@modelcontextprotocol/server';

/** What waiting needs of a sign-in offer (sign-in-step.ts's SignInOffer; not imported: that file imports this one). */
interface WaitingOffer {
  needed(): boolean;
  readonly progressEveryMs?: number;
}

// How a call waits on the sign-in page (sign-in-step.ts): until the page is done, the call is
// cancelled, or a sign-in arrives another way; telling the client, when it asked, that it waits.

// How often a waiting call checks whether a sign-in arrived another way (another server, `login`
// in a terminal), and how often it tells the client it is still waiting.
const NEEDED_POLL_MS = 500;
const PROGRESS_EVERY_MS = 15_000;

/**
 * While the user signs in: notifications/progress every so often, when the client asked for
 * progress (a progressToken), so that a client resetting its timeout on progress keeps waiting.
 */
export function keepClientWaiting(ctx: ServerContext, offer: WaitingOffer): NodeJS.Timeout | undefined {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  let progress = 0;
  const timer = setInterval(() => {
    progress += 1;
    ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress, message: 'Waiting for the user to sign in on the sign-in page' } }).catch(() => undefined);
  }, offer.progressEveryMs ?? PROGRESS_EVERY_MS);
  timer.unref();
  return timer;
}

/**
 * Whether the user signed in on `page` (or a sign-in arrived otherwise, when `endsWhenNotNeeded`:
 * `offer.needed()` turned false). False at once when the call is cancelled: the page stays open
 * (until it is done or expires), so that the call made again finds the sign-in done.
 */
export async function until(page: { readonly finished: Promise<boolean> }, ctx: ServerContext, offer: WaitingOffer, endsWhenNotNeeded: boolean): Promise<boolean> {
  const { signal } = ctx.mcpReq;
  let onAbort = (): void => undefined;
  const aborted = new Promise<false>((resolve) => (onAbort = () => resolve(false)));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const elsewhere = signedInElsewhere(offer, endsWhenNotNeeded);
  try {
    return await Promise.race([page.finished, aborted, elsewhere.done]);
  } finally {
    elsewhere.stop();
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves once `offer.needed()` turns false (a sign-in from another server, or `login` in a terminal); never when not `watching`. */
export function signedInElsewhere(offer: WaitingOffer, watching: boolean): { readonly done: Promise<true>; stop(): void } {
  let poll: NodeJS.Timeout | undefined;
  const done = new Promise<true>((resolve) => {
    if (watching) poll = setInterval(() => !offer.needed() && resolve(true), NEEDED_POLL_MS);
  });
  return { done, stop: () => clearInterval(poll) };
}
