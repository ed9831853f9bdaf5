import type { KyInstance, RetryOptions } from 'ky';
import { encodeForm, type FormValue } from './form.js';
import type { RequestLabel } from './errors.js';
import { retryAfterMs } from './retry-after.js';
import { DEFAULT_MAX_CONCURRENCY, type ClerkSettings } from './settings.js';
import { nodeFetch } from './node-fetch.js';

// HTTP to Clerk: ky (loaded on first use), its instance, retries; what one call has done so far.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = FormValue;

/** One call to the Frontend API, before Clerk's own parameters are added. */
export interface ClerkRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, already percent-encoded, e.g. `/v1/organizations/org_1/invitations`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue | undefined>>;
  readonly form?: Readonly<Record<string, FormValue | undefined>>;
  readonly signal?: AbortSignal | undefined;
  /** Sent without a client token (an empty Authorization header): how a native sign-in starts. */
  readonly anonymous?: boolean;
  /**
   * The answer's client must hold the session this client acts as (e.g. `GET /v1/client` for
   * whoami): Clerk answers a stale token with 200 and a new client without sessions.
   */
  readonly needsSession?: boolean;
}

/** Clerk's success envelope without its `client` object, which carries session JWTs. */
export interface ClerkPayload {
  readonly response: unknown;
}

/** Which of Clerk's APIs a client talks to, as its error messages name it and the settings to check. */
export interface Upstream {
  /** e.g. "Clerk's Frontend API". */
  readonly name: string;
  /** The setting that says where it is, e.g. CLERK_FRONTEND_API_URL. */
  readonly urlSetting: string;
  /** The settings to check when it cannot be reached. */
  readonly check: string;
  /** The credential sent with each request, e.g. "the client token". */
  readonly credential: string;
}

export const FRONTEND_API: Upstream = {
  name: "Clerk's Frontend API",
  urlSetting: 'CLERK_FRONTEND_API_URL',
  check: 'CLERK_FRONTEND_API_URL / CLERK_PUBLISHABLE_KEY',
  credential: 'the client token',
};

/** What the HTTP parts need of the client: its settings and its redactor. */
export interface HttpContext {
  readonly settings: ClerkSettings;
  redact(text: string): string;
  /** Which API answers (default FRONTEND_API). */
  readonly upstream?: Upstream;
}

export type Ky = typeof import('ky');
// Loaded by the first request, not at start: evaluating ky loads Node's fetch (undici), which
// answering initialize and tools/list does not need.
let kyModule: Promise<Ky> | undefined;
let loadedKy: Ky | undefined;
export const loadKy = (): Promise<Ky> => (kyModule ??= import('ky').then((ky) => (loadedKy = ky)));

/** Whether an error is ky's timeout (false before ky has loaded: nothing can have timed out in it). */
export const isKyTimeout = (error: unknown): boolean => loadedKy?.isTimeoutError(error) ?? false;

/**
 * A ky instance for `settings`: Clerk's base URL, timeout, headers, and the client token of the
 * moment (`token()`) on every attempt.
 */
export function createHttp({ default: ky }: Ky, settings: ClerkSettings, version: string, token: () => string | undefined): KyInstance {
  return ky.create({
    fetch: nodeFetch(settings.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY),
    prefixUrl: settings.baseUrl,
    timeout: settings.timeoutMs,
    headers: { accept: 'application/json', 'user-agent': `clerk-invitations-mcp/${version}` },
    hooks: {
      // Set per attempt, so a retry carries the token that the previous answer rotated in.
      // Without a token the header is empty: that is how a native client asks Clerk for a new client.
      beforeRequest: [(request) => void request.headers.set('authorization', token() ? `Bearer ${token()}` : '')],
    },
  });
}

/** Longest wait a `Retry-After` can impose before a retry. */
export const RETRY_AFTER_CAP_MS = 10_000;

// Statuses after which a call may be repeated. A POST only after 429, the one answer that says
// Clerk did nothing (a repeated create can invite someone twice); a GET also after a gateway
// failure or a network error.
const RETRY_GET = new Set([429, 502, 503, 504]);
const RETRY_POST = new Set([429]);

/** ky's own backoff: 300 ms, then 600 ms. */
const backoffMs = (retryCount: number): number => 300 * 2 ** (retryCount - 1);

// The wait is computed here, never by ky (which reads an unparseable Retry-After as its 10 s cap):
// Retry-After (or RateLimit-Reset) when it parses, else the backoff. No retry starts once the call
// is cancelled, nor a wait that would end past the call's deadline: the 429 itself then tells the
// agent when to come back.
export function retryOptions({ isHTTPError, isTimeoutError }: Ky, method: HttpMethod, maxRetryAfter: number, call: Call, signal: AbortSignal, stopped: () => boolean): RetryOptions | number {
  if (method !== 'GET' && method !== 'POST') return 0;
  const isGet = method === 'GET';
  return {
    limit: 2,
    methods: [method.toLowerCase()],
    // shouldRetry always decides (true or false): ky's status rules and header reading never run.
    shouldRetry: ({ error, retryCount }) => {
      // Once the server is stopping, nothing more goes to Clerk: the refusal is the answer.
      if (signal.aborted || stopped()) return false;
      let wait: number;
      if (isHTTPError(error)) {
        call.answered = true;
        const { status, headers } = error.response;
        if (!(isGet ? RETRY_GET : RETRY_POST).has(status)) return false;
        const asked = status === 429 || status === 503 ? retryAfterMs(headers.get('retry-after') ?? headers.get('ratelimit-reset')) : undefined;
        wait = Math.min(asked ?? backoffMs(retryCount), maxRetryAfter);
      } else {
        if (!isGet || isTimeoutError(error)) return false;
        wait = backoffMs(retryCount);
      }
      if (Date.now() + wait >= call.deadlineAt) return false;
      call.retryWaitMs = wait;
      return true;
    },
    delay: () => call.retryWaitMs,
  };
}

/** What one call has done so far, for its hooks and its error messages. */
export interface Call {
  readonly label: RequestLabel;
  readonly cancel: AbortSignal | undefined;
  /** Set when the call's deadline has passed (its signal is then aborted). */
  expired: boolean;
  readonly deadlineAt: number;
  retries: number;
  /** Set once the first attempt has started: before that, nothing can have reached Clerk. */
  sent: boolean;
  /** Set when the latest attempt was answered (and refused): Clerk did nothing with it. */
  answered: boolean;
  /** The wait before the next retry, as shouldRetry chose it. */
  retryWaitMs: number;
  /** The client token the latest attempt was sent with. */
  sentWith?: string | undefined;
  /** Every client token an attempt of this call was sent with: a retry after a refusal needs another. */
  readonly tried: Set<string>;
  /** Clerk's answer showed the token sent was stale (another client came back), not signed out. */
  stale?: boolean;
  attemptStartedAt: number;
}

/** A call under way: its record, the one signal its attempts use, and what ends both. */
export interface CallUnderWay {
  readonly call: Call;
  /** Aborted by the caller's cancel or by the deadline. */
  readonly signal: AbortSignal;
  /** Clears the deadline and the cancel listener: once the call has ended. */
  readonly end: () => void;
}

/**
 * Starts a call to `label` that ends within `deadlineMs` or when `cancel` aborts. One signal for the
 * call: cheaper, in a burst, than AbortSignal.timeout() and AbortSignal.any() on every call.
 */
export function startCall(label: RequestLabel, cancel: AbortSignal | undefined, deadlineMs: number): CallUnderWay {
  const controller = new AbortController();
  const call: Call = { label, cancel, expired: false, deadlineAt: Date.now() + deadlineMs, retries: 0, sent: false, answered: false, retryWaitMs: 0, attemptStartedAt: 0, tried: new Set() };
  const deadline = setTimeout(() => {
    call.expired = true;
    controller.abort(new DOMException('The call took longer than its deadline', 'TimeoutError'));
  }, deadlineMs);
  const onCancel = (): void => controller.abort(cancel?.reason);
  if (cancel?.aborted) onCancel();
  else cancel?.addEventListener('abort', onCancel, { once: true });
  return {
    call,
    signal: controller.signal,
    end: () => {
      clearTimeout(deadline);
      cancel?.removeEventListener('abort', onCancel);
    },
  };
}

/** The body of an answer did not arrive within CLERK_TIMEOUT_MS of the attempt's start. */
export class BodyTimeout extends Error {
  override readonly name = 'BodyTimeout';
}

/** Drops an unread body, so that its connection is closed or reused instead of held. */
export const discard = (response: Response): void => void response.body?.cancel().catch(() => undefined);


// Paths on which clerk-js sends no `_clerk_session_id`.
const CLIENT_PATHS = /^\/v1\/(?:client|waitlist)(?:\/|$)/;

/** The query of a request to `path`, with Clerk's own parameters (native, API version, session) set last. */
export function searchParams(apiVersion: string, sessionId: string | undefined, path: string, query: ClerkRequest['query']): URLSearchParams {
  // Query strings follow the same rules as form bodies: repeated keys, true/false.
  const params = encodeForm(query ?? {});
  // Set last, so that no tool argument can replace or repeat Clerk's own parameters.
  params.set('_is_native', '1');
  params.set('__clerk_api_version', apiVersion);
  // clerk-js sends the session on every path but those under /client and /waitlist.
  if (sessionId && !CLIENT_PATHS.test(path)) params.set('_clerk_session_id', sessionId);
  return params;
}
