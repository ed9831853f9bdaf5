import { randomBytes, randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type InputRequiredResult,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { isRecord } from '../json.js';
import { keepClientWaiting, signedInElsewhere, until } from './sign-in-wait.js';

/** A sign-in page, shared by the calls waiting for a sign-in (cli/ starts it: this layer never sees Clerk). It stays until done or expired. */
export interface SignInPage {
  readonly url: string;
  /** True once the user has signed in there; false when the page failed or expired. Never rejects. */
  readonly finished: Promise<boolean>;
}

/** What the server can do for a tool called with no usable sign-in: offer a page to sign in on. */
export interface SignInOffer {
  /** Whether the tools cannot act as anyone now, so that a sign-in is what a call needs first. */
  needed(): boolean;
  /** Why the user is sent to the page (shown by the client next to the URL). */
  readonly message: string;
  open(): Promise<SignInPage>;
  /** How to sign in otherwise, for a call that could not (e.g. `run … login --web`). */
  readonly howTo: string;
  /**
   * Whether `error` (from running a tool) says the stored sign-in has ended and Clerk did nothing
   * for the call (it refused it as signed out): the page is offered, then the call runs again once.
   */
  ended(error: unknown): boolean;
  /** How often a waiting call tells a client that asked for progress that it is still waiting (default 15 s). */
  readonly progressEveryMs?: number;
}

/** The state a 2026-07-28 sign-in request carries through the client: which page it opened. */
interface SignInState {
  readonly signInPage: string;
  /** The tool called: the state is good for a call to this tool only (and, by the codec, for the same caller). */
  readonly tool: string;
  /** The call found a stored sign-in Clerk refused (so `needed()` says false all along): only the page ends the wait. */
  readonly ended: boolean;
}

// How long a sign-in request stays answerable, and a 2025-era client's answer awaited: the
// page itself expires when left unused (then `finished` says so), so this only bounds a hang.
const SIGN_IN_WAIT_MS = 60 * 60_000;
// After the page has completed, how long a 2025-era client may take to answer the elicitation
// (it was sent notifications/elicitation/complete): then the call goes on without its answer.
const ANSWER_AFTER_COMPLETION_MS = 30_000;

// One codec and one list of pages per process: a 2026-07-28 call may come back to another server
// instance of the same process (one per request), and a restart voids every request still open.
// Bound like confirmation states: to the request's method and, over HTTP, the authenticated client.
const CODEC: RequestStateCodec<SignInState> = createRequestStateCodec<SignInState>({
  key: randomBytes(32),
  ttlSeconds: SIGN_IN_WAIT_MS / 1000,
  bind: (ctx) => `${ctx.mcpReq.method}\0${ctx.http?.authInfo?.clientId ?? ''}`,
});
const PAGES = new Map<string, SignInPage>();
// One page in flight per offer (one offer per process): parallel calls all wait on it, rather
// than each opening its own, of which the user would complete one.
const OPEN = new WeakMap<SignInOffer, Promise<SignInPage>>();

/** For the server's requestState hook: throws unless this process signed the state, not long ago. */
export const verifySignInState = (state: string, ctx: ServerContext): Promise<SignInState> => CODEC.verify(state, ctx);

async function remember(page: SignInPage, tool: string, ended: boolean, ctx: ServerContext): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  PAGES.set(id, page);
  void page.finished.then(() => setTimeout(() => PAGES.delete(id), SIGN_IN_WAIT_MS).unref());
  return CODEC.mint({ signInPage: id, tool, ended }, ctx);
}

/** The page in flight for `offer`, or a new one; it is forgotten once it has finished. */
function sharedPage(offer: SignInOffer): Promise<SignInPage> {
  const open = OPEN.get(offer);
  if (open) return open;
  const opening = offer.open();
  OPEN.set(offer, opening);
  const forget = (): void => void (OPEN.get(offer) === opening && OPEN.delete(offer));
  opening.then((page) => page.finished.then(forget), forget);
  return opening;
}

export const isSignInState = (state: unknown): state is SignInState => isRecord(state) && typeof state.signInPage === 'string' && typeof state.tool === 'string' && typeof state.ended === 'boolean';

/** What to do with a call that found no sign-in. */
export type SignInStep = { readonly kind: 'go' } | { readonly kind: 'ask'; readonly result: InputRequiredResult } | { readonly kind: 'refused'; readonly why: string };

/**
 * Before a tool runs: when there is no usable sign-in and the client can open a URL for the user
 * (URL-mode elicitation declared), sends the user to a sign-in page and goes on once they have
 * signed in there. A 2025-11-25 client gets elicitation/create (mode url), and
 * notifications/elicitation/complete when the page is done; a 2026-07-28 client gets an
 * `input_required` URL request, and the page is awaited when it calls again. Other clients go on
 * to the tool's own error, which says how to sign in.
 */
export async function signInStep(server: McpServer, ctx: ServerContext, offer: SignInOffer, tool: string, { ended = false } = {}): Promise<SignInStep> {
  const state = ctx.mcpReq.requestState();
  // A 2026-07-28 client back from the page it was sent to.
  if (isSignInState(state)) {
    if (state.tool !== tool) return { kind: 'refused', why: 'this sign-in request was made for another tool' };
    const page = PAGES.get(state.signInPage);
    if (!page) return { kind: 'refused', why: 'this sign-in request has expired' };
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'signIn');
    // Not closed: other calls may be waiting on the same page.
    if (answer.kind !== 'elicit' || answer.action !== 'accept') return { kind: 'refused', why: 'the user did not open the sign-in page' };
    const progress = keepClientWaiting(ctx, offer);
    try {
      return (await until(page, ctx, offer, !state.ended)) ? { kind: 'go' } : notSignedIn();
    } finally {
      clearInterval(progress);
    }
  }
  // `ended`: the stored sign-in was refused by Clerk, although there is a token (needed() says false).
  if (!ended && !offer.needed()) return { kind: 'go' };
  const envelope: Record<string, unknown> | undefined = ctx.mcpReq.envelope;
  const modern = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  const capabilities = isRecord(modern) ? modern : server.server.getClientCapabilities();
  if (!isRecord(capabilities?.elicitation) || capabilities.elicitation.url === undefined) return { kind: 'go' };
  const page = await sharedPage(offer);
  if (isRecord(modern)) {
    const requestState = await remember(page, tool, ended, ctx);
    return { kind: 'ask', result: inputRequired({ inputRequests: { signIn: inputRequired.elicitUrl({ message: offer.message, url: page.url }) }, requestState }) };
  }
  return legacySignIn(server, ctx, offer, page, !ended);
}

/** A 2025-11-25 client: elicitation/create in URL mode, and the completion notification once the page is done. */
async function legacySignIn(server: McpServer, ctx: ServerContext, offer: SignInOffer, page: SignInPage, endsWhenNotNeeded: boolean): Promise<SignInStep> {
  const elicitationId = randomUUID();
  const complete = server.server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: ctx.mcpReq.id });
  const stop = new AbortController();
  const cancel = (): void => stop.abort();
  ctx.mcpReq.signal.addEventListener('abort', cancel, { once: true });
  const progress = keepClientWaiting(ctx, offer);
  // A client may hold its answer until the page is done: a sign-in made elsewhere ends the wait too.
  const elsewhere = signedInElsewhere(offer, endsWhenNotNeeded);
  try {
    const answered = ctx.mcpReq
      .elicitInput({ mode: 'url', message: offer.message, url: page.url, elicitationId }, { timeout: SIGN_IN_WAIT_MS, signal: stop.signal })
      .then((result) => result.action, () => 'failed' as const);
    const first = await Promise.race([answered, page.finished.then((done) => (done ? 'page-done' : 'page-failed')), elsewhere.done.then(() => 'elsewhere' as const)]);
    if (first === 'elsewhere') return { kind: 'go' };
    if (first === 'page-done' || first === 'accept') {
      if (!(await until(page, ctx, offer, endsWhenNotNeeded))) return notSignedIn();
      // A client may hold its answer until it hears the page is done.
      await complete().catch(() => undefined);
      if (first === 'page-done') await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, ANSWER_AFTER_COMPLETION_MS).unref())]);
      return { kind: 'go' };
    }
    // A decline leaves the page to expire unused: other calls may be waiting on it.
    return first === 'page-failed' ? notSignedIn() : { kind: 'refused', why: first === 'failed' ? 'the client could not show the sign-in page' : 'the user did not open the sign-in page' };
  } finally {
    elsewhere.stop();
    clearInterval(progress);
    stop.abort();
    ctx.mcpReq.signal.removeEventListener('abort', cancel);
  }
}

const notSignedIn = (): SignInStep => ({ kind: 'refused', why: 'the sign-in page ended without a sign-in (it failed or expired)' });
