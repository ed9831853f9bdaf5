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

/** A sign-in page opened for one call (cli/ starts it: this layer never sees Clerk). */
export interface SignInPage {
  readonly url: string;
  /** True once the user has signed in there; false when the page failed or expired. Never rejects. */
  readonly finished: Promise<boolean>;
  /** Stops the page (the user declined, or the call was cancelled). */
  close(): void;
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
}

/** The state a 2026-07-28 sign-in request carries through the client: which page it opened. */
interface SignInState {
  readonly signInPage: string;
}

// How long a sign-in request stays answerable, and a 2025-era client's answer awaited: the
// page itself expires when left unused (then `finished` says so), so this only bounds a hang.
const SIGN_IN_WAIT_MS = 60 * 60_000;
// After the page has completed, how long a 2025-era client may take to answer the elicitation
// (it was sent notifications/elicitation/complete): then the call goes on without its answer.
const ANSWER_AFTER_COMPLETION_MS = 30_000;

// One codec and one list of pages per process: a 2026-07-28 call may come back to another server
// instance of the same process (one per request), and a restart voids every request still open.
const CODEC: RequestStateCodec<SignInState> = createRequestStateCodec<SignInState>({ key: randomBytes(32), ttlSeconds: SIGN_IN_WAIT_MS / 1000 });
const PAGES = new Map<string, SignInPage>();

/** For the server's requestState hook: throws unless this process signed the state, not long ago. */
export const verifySignInState = (state: string, ctx: ServerContext): Promise<SignInState> => CODEC.verify(state, ctx);

async function remember(page: SignInPage): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  PAGES.set(id, page);
  void page.finished.then(() => setTimeout(() => PAGES.delete(id), SIGN_IN_WAIT_MS).unref());
  return CODEC.mint({ signInPage: id });
}

export const isSignInState = (state: unknown): state is SignInState => isRecord(state) && typeof state.signInPage === 'string';

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
export async function signInStep(server: McpServer, ctx: ServerContext, offer: SignInOffer): Promise<SignInStep> {
  const state = ctx.mcpReq.requestState();
  // A 2026-07-28 client back from the page it was sent to.
  if (isSignInState(state)) {
    const page = PAGES.get(state.signInPage);
    if (!page) return { kind: 'refused', why: 'this sign-in request has expired' };
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'signIn');
    if (answer.kind !== 'elicit' || answer.action !== 'accept') {
      page.close();
      return { kind: 'refused', why: 'the user did not open the sign-in page' };
    }
    return (await until(page, ctx.mcpReq.signal)) ? { kind: 'go' } : notSignedIn();
  }
  if (!offer.needed()) return { kind: 'go' };
  const envelope: Record<string, unknown> | undefined = ctx.mcpReq.envelope;
  const modern = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  const capabilities = isRecord(modern) ? modern : server.server.getClientCapabilities();
  if (!isRecord(capabilities?.elicitation) || capabilities.elicitation.url === undefined) return { kind: 'go' };
  const page = await offer.open();
  if (isRecord(modern)) {
    const requestState = await remember(page);
    return { kind: 'ask', result: inputRequired({ inputRequests: { signIn: inputRequired.elicitUrl({ message: offer.message, url: page.url }) }, requestState }) };
  }
  return legacySignIn(server, ctx, offer, page);
}

/** A 2025-11-25 client: elicitation/create in URL mode, and the completion notification once the page is done. */
async function legacySignIn(server: McpServer, ctx: ServerContext, offer: SignInOffer, page: SignInPage): Promise<SignInStep> {
  const elicitationId = randomUUID();
  const complete = server.server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: ctx.mcpReq.id });
  const stop = new AbortController();
  const cancel = (): void => stop.abort();
  ctx.mcpReq.signal.addEventListener('abort', cancel, { once: true });
  try {
    const answered = ctx.mcpReq
      .elicitInput({ mode: 'url', message: offer.message, url: page.url, elicitationId }, { timeout: SIGN_IN_WAIT_MS, signal: stop.signal })
      .then((result) => result.action, () => 'failed' as const);
    const first = await Promise.race([answered, page.finished.then((done) => (done ? 'page-done' : 'page-failed'))]);
    if (first === 'page-done' || first === 'accept') {
      if (!(await until(page, ctx.mcpReq.signal))) return notSignedIn();
      // A client may hold its answer until it hears the page is done.
      await complete().catch(() => undefined);
      if (first === 'page-done') await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, ANSWER_AFTER_COMPLETION_MS).unref())]);
      return { kind: 'go' };
    }
    page.close();
    return first === 'page-failed' ? notSignedIn() : { kind: 'refused', why: first === 'failed' ? 'the client could not show the sign-in page' : 'the user did not open the sign-in page' };
  } finally {
    stop.abort();
    ctx.mcpReq.signal.removeEventListener('abort', cancel);
  }
}

const notSignedIn = (): SignInStep => ({ kind: 'refused', why: 'the sign-in page ended without a sign-in (it failed or expired)' });

/** Whether the user signed in on `page`; false at once when the call is cancelled (and the page is closed then). */
async function until(page: SignInPage, signal: AbortSignal): Promise<boolean> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<'cancelled'>((resolve) => (onAbort = () => resolve('cancelled')));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const first = await Promise.race([page.finished, aborted]);
    if (first !== 'cancelled') return first;
    page.close();
    return false;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
