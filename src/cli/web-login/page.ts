import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandError } from '../../errors.js';
import type { Prompter } from '../prompt.js';
import { SECURITY_HEADERS, type View } from './html.js';
import { answer, plain, readForm, sameSecret } from './replies.js';

/** How a sign-in page ended. */
export type PageOutcome = { readonly kind: 'done' } | { readonly kind: 'failed'; readonly message: string } | { readonly kind: 'expired' };

/** A sign-in page being served on 127.0.0.1. */
export interface SignInPage {
  /** The one-time address to open (it is the page's only credential besides the CSRF token). */
  readonly url: string;
  /** Settles when the flow ends (done, failed or expired); never rejects. */
  readonly outcome: Promise<PageOutcome>;
  /** Settles once the server has stopped listening. */
  readonly closed: Promise<void>;
  /** Stops at once: the flow fails as expired, and the page stops listening. */
  close(): void;
}

export interface PageOptions {
  readonly title: string;
  /** The flow, asking its questions through the page; what it says is shown on the page. */
  readonly run: (io: Prompter) => Promise<void>;
  /** A page left unused this long expires (each request the page accepts starts the wait again). */
  readonly expiresAfterMs: number;
  /** Also told what the flow says (the terminal of `login --web`). */
  readonly mirror?: ((line: string) => void) | undefined;
}

// After the flow ends, the page stays up to show the end (or that it expired) this long at most.
const LINGER_MS = 60_000;
// A POST waits this long for the flow's next question before answering "still working" (which reloads).
const STEP_WAIT_MS = 20_000;

type State =
  | { readonly kind: 'working' }
  | { readonly kind: 'asking'; readonly step: number; readonly question: string; readonly secret: boolean; readonly options?: readonly string[]; readonly answer: (text: string) => void; readonly fail: (error: Error) => void }
  | { readonly kind: 'ended'; readonly outcome: PageOutcome };

/**
 * Serves a flow that asks questions (the terminal login's, through the Prompter interface) as a
 * page of plain HTML forms on 127.0.0.1: a random port and a random 256-bit path; Host and
 * Origin checked on every request (a foreign one gets 403 and changes nothing); a CSRF token on
 * every POST; a strict CSP and no third-party resources. Hand-written on node:http: it is a few
 * forms, and a web framework would be a runtime dependency for that alone.
 */
export async function startSignInPage(options: PageOptions): Promise<SignInPage> {
  const path = `/${randomBytes(32).toString('base64url')}`;
  const csrf = randomBytes(32).toString('base64url');
  let said: string[] = [];
  let state: State = { kind: 'working' };
  let step = 0;
  let changed: (() => void)[] = [];
  const notify = (): void => {
    const waiting = changed;
    changed = [];
    for (const wake of waiting) wake();
  };
  const nextChange = (ms: number): Promise<void> => new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    changed.push(() => (clearTimeout(timer), resolve()));
  });

  let settle: (outcome: PageOutcome) => void = () => undefined;
  const outcome = new Promise<PageOutcome>((resolve) => (settle = resolve));
  const end = (result: PageOutcome): void => {
    if (state.kind === 'ended') return;
    const asking = state.kind === 'asking' ? state : undefined;
    state = { kind: 'ended', outcome: result };
    clearTimeout(expiry);
    asking?.fail(new CommandError('the sign-in page expired: it was left unused. Start the sign-in again.'));
    settle(result);
    notify();
    lingering = setTimeout(stop, LINGER_MS);
  };
  const expire = (): void => end({ kind: 'expired' });
  let expiry = setTimeout(expire, options.expiresAfterMs);
  let lingering: NodeJS.Timeout | undefined;
  const used = (): void => {
    if (state.kind === 'ended') return;
    clearTimeout(expiry);
    expiry = setTimeout(expire, options.expiresAfterMs);
  };

  const ask = (question: string, secret: boolean, choices?: readonly string[]): Promise<string> => {
    if (state.kind === 'ended') return Promise.reject(new CommandError('the sign-in page has closed.'));
    return new Promise<string>((answer, fail) => {
      step += 1;
      state = { kind: 'asking', step, question, secret, ...(choices ? { options: choices } : {}), answer, fail };
      notify();
    });
  };
  const io: Prompter = {
    say: (line) => {
      said.push(line);
      options.mirror?.(line);
    },
    ask: (question) => ask(question, false),
    askSecret: (question) => ask(question, true),
    // Radio buttons, the first one checked; an answer that is none of them (a forged form) asks again.
    choose: async (title, choices) => {
      for (;;) {
        const picked = Number(await ask(title, false, choices));
        if (Number.isInteger(picked) && picked >= 0 && picked < choices.length) return picked;
      }
    },
    close: () => undefined,
  };

  // A request that fails midway (the browser went away while its form was read) ends there; the flow waits on.
  const server = createServer((request, response) => void handle(request, response).catch(() => (response.headersSent ? response.destroy() : plain(response, 500, 'Something went wrong'))));
  let origin = '';

  const view = (): View => {
    if (state.kind === 'ended') {
      const ended = state.outcome;
      if (ended.kind === 'expired') return { title: 'This sign-in page has expired', said: [], error: 'It was left unused for too long. Start the sign-in again; this address no longer works.' };
      if (ended.kind === 'failed') return { title: 'Sign-in failed', said, error: ended.message, footer: 'You can close this page.' };
      return { title: 'Signed in', said, footer: 'You can close this page.' };
    }
    if (state.kind === 'working') return { title: 'Signing in…', said, refreshSeconds: 2 };
    return { title: options.title, said, form: { action: path, csrf, step: state.step, question: state.question, secret: state.secret, options: state.options } };
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // DNS rebinding (a foreign name resolving to 127.0.0.1) and other sites' pages: refused, and nothing changes.
    if (request.headers.host !== origin.slice('http://'.length) || (request.headers.origin !== undefined && request.headers.origin !== origin)) {
      return plain(response, 403, 'Forbidden');
    }
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname !== path) return plain(response, 404, 'Not found');
    if (request.method === 'GET' || request.method === 'HEAD') {
      used();
      const shown = view();
      const status = state.kind === 'ended' && state.outcome.kind === 'expired' ? 410 : 200;
      answer(response, status, shown, () => {
        // The end was shown: nothing is left to serve.
        if (state.kind === 'ended' && request.method === 'GET') setTimeout(stop, 100).unref();
      });
      return;
    }
    if (request.method !== 'POST') return plain(response, 405, 'Method not allowed');
    // A form POST always carries Origin in today's browsers: one without it is not this page's.
    if (request.headers.origin !== origin) return plain(response, 403, 'Forbidden');
    const form = await readForm(request);
    if (form === undefined || !sameSecret(form.get('csrf') ?? '', csrf)) return plain(response, 403, 'Forbidden: the form is not this page\'s (CSRF token missing or wrong).');
    if (state.kind === 'ended') return answer(response, state.outcome.kind === 'expired' ? 410 : 200, view());
    used();
    // An answer to a question already answered (a second click, the back button): shows where the sign-in is now.
    if (state.kind === 'asking' && form.get('step') === String(state.step)) {
      const asking = state;
      state = { kind: 'working' };
      said = [];
      asking.answer(form.get('answer') ?? '');
      // Post/Redirect/Get once the flow has its next question (or has ended), so a reload never sends an answer again.
      await nextChange(STEP_WAIT_MS);
    }
    response.writeHead(303, { ...SECURITY_HEADERS, Location: path });
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (closedResolve = resolve));
  function stop(): void {
    clearTimeout(lingering);
    server.close(() => closedResolve());
    server.closeAllConnections();
  }

  options.run(io).then(
    () => end({ kind: 'done' }),
    (failure: unknown) => end(state.kind === 'ended' ? state.outcome : { kind: 'failed', message: failure instanceof Error ? failure.message : String(failure) }),
  );
  return {
    url: `${origin}${path}`,
    outcome,
    closed,
    close: () => {
      end({ kind: 'expired' });
      stop();
    },
  };
}
