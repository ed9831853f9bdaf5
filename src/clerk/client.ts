import type { HTTPError, KyInstance, RetryOptions } from 'ky';
import { callDeadlineMs, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES, type ClerkSettings } from './settings.js';
import { ClerkApiError, ClerkRequestError, type ClerkErrorItem, type RequestLabel } from './errors.js';
import { encodeForm, type FormValue } from './form.js';
import { Limiter, LimiterStopped } from './limiter.js';
import { redactJwts } from './redact.js';
import { retryAfterMs } from './retry-after.js';
import { BodyDecodingError, MAX_REDIRECTS, nodeFetch } from './node-fetch.js';
import { command } from '../invocation.js';
import { isRecord } from '../json.js';

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

/** Who the client acts as: a client token and, optionally, which of its sessions. */
export interface ClerkCredentials {
  readonly clientToken: string;
  readonly sessionId: string | undefined;
}

export interface ClerkClientOptions {
  /** Called with each token Clerk rotates in (and the one it replaces), e.g. to keep the stored credentials current. */
  readonly onTokenRotated?: (token: string, previous: string | undefined) => void;
  /**
   * Asked again for credentials when there are none or Clerk refuses them (401), e.g. to re-read
   * the credentials file after a `login`; may throw an error whose message says what is wrong.
   */
  readonly reloadCredentials?: () => ClerkCredentials | undefined;
  /**
   * A cheap check (e.g. the credentials file's stat) that the source may hold other credentials
   * than it gave last: another process's rotation or a new login. Checked before each call.
   */
  readonly credentialsChanged?: () => boolean;
}

/** Clerk's success envelope without its `client` object, which carries session JWTs. */
export interface ClerkPayload {
  readonly response: unknown;
}

// How many tokens and session JWTs the redactor remembers.
const MAX_SECRETS = 64;

type Ky = typeof import('ky');
// Loaded by the first request, not at start: evaluating ky loads Node's fetch (undici), which
// answering initialize and tools/list does not need.
let kyModule: Promise<Ky> | undefined;
let loadedKy: Ky | undefined;
const loadKy = (): Promise<Ky> => (kyModule ??= import('ky').then((ky) => (loadedKy = ky)));

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
function retryOptions({ isHTTPError, isTimeoutError }: Ky, method: HttpMethod, maxRetryAfter: number, call: Call, signal: AbortSignal, stopped: () => boolean): RetryOptions | number {
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

/**
 * The one place that knows how to talk to Clerk's Frontend API: native auth with token rotation,
 * Clerk's query parameters, form bodies, the response envelope and error bodies, retries and timeouts.
 */
export class ClerkClient {
  readonly #settings: ClerkSettings;
  #http: Promise<{ ky: Ky; http: KyInstance }> | undefined;
  readonly #onTokenRotated: ((token: string, previous: string | undefined) => void) | undefined;
  readonly #reloadCredentials: (() => ClerkCredentials | undefined) | undefined;
  readonly #credentialsChanged: (() => boolean) | undefined;
  #token: string | undefined;
  // The Clerk client the token belongs to (its JWT's `id` claim), as Clerk's SDKs pin it: a token
  // or an answer for another client is a stale token's replacement, never ours to adopt.
  #clientId: string | undefined;
  #sessionId: string | undefined;
  // Credentials still being obtained (a sign-in ticket exchanged at start-up): requests wait for them.
  #pending: Promise<void> | undefined;
  // Why there is no token, when something more precise than "none configured" is known.
  #noTokenReason: string | undefined;
  // Why the credential source failed when last asked (e.g. an unsafe credentials file): a whole message, fix included.
  #sourceRefusal: string | undefined;
  // Every request holds a slot while it is in flight, so that an agent's loop cannot hammer Clerk.
  readonly #slots: Limiter;
  // Writes go one at a time: each may rotate the client token, and a token rotated out is stale
  // (Clerk answers it with a new, signed-out client), so a second write sent with it would fail.
  readonly #writes = new Limiter(1);
  // Tokens and session JWTs this client has seen (and the publishable key), so that none can slip into a message.
  readonly #secrets = new Set<string>();

  constructor(settings: ClerkSettings, options: ClerkClientOptions = {}) {
    this.#settings = settings;
    this.#onTokenRotated = options.onTokenRotated;
    this.#reloadCredentials = options.reloadCredentials;
    this.#credentialsChanged = options.credentialsChanged;
    this.#token = settings.clientToken;
    this.#clientId = settings.clientToken === undefined ? undefined : clientIdOf(settings.clientToken);
    this.#sessionId = settings.sessionId;
    this.#slots = new Limiter(settings.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    for (const secret of [settings.clientToken, settings.publishableKey]) if (secret) this.#secrets.add(secret);
  }

  #client(): Promise<{ ky: Ky; http: KyInstance }> {
    // The version too, on first use: read at import, it would tie every module that imports this one to package.json.
    return (this.#http ??= Promise.all([loadKy(), import('../version.js')]).then(([ky, { VERSION }]) => ({ ky, http: this.#create(ky, VERSION) })));
  }

  #create({ default: ky }: Ky, version: string): KyInstance {
    const settings = this.#settings;
    return ky.create({
      fetch: nodeFetch(settings.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY),
      prefixUrl: settings.baseUrl,
      timeout: settings.timeoutMs,
      headers: { accept: 'application/json', 'user-agent': `clerk-invitations-mcp/${version}` },
      hooks: {
        // Set per attempt, so a retry carries the token that the previous answer rotated in.
        // Without a token the header is empty: that is how a native client asks Clerk for a new client.
        beforeRequest: [(request) => void request.headers.set('authorization', this.#token ? `Bearer ${this.#token}` : '')],
      },
    });
  }

  /** The client token currently in use (rotated tokens replace the configured one). */
  get clientToken(): string | undefined {
    return this.#token;
  }

  /** The session this client acts as (`_clerk_session_id`), if one is chosen. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** The Frontend API this client talks to. */
  get baseUrl(): string {
    return this.#settings.baseUrl;
  }

  /** Acts as another client token and session from now on (after a sign-in, or read from the credentials file). */
  useCredentials(credentials: ClerkCredentials): void {
    this.#token = credentials.clientToken;
    this.#clientId = clientIdOf(credentials.clientToken);
    this.#sessionId = credentials.sessionId;
    this.#addSecret(credentials.clientToken);
  }

  /**
   * Makes requests wait until `task` settles (credentials being obtained in the background). The
   * task must not reject; if it leaves no token, it says why with setNoTokenReason.
   */
  waitFor(task: Promise<void>): void {
    const pending = task.finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    this.#pending = pending;
  }

  /** Says why there is no client token, for the error every request answers until there is one. */
  setNoTokenReason(reason: string): void {
    this.#noTokenReason = reason;
  }

  /** Remembers a secret that must never appear in a message (e.g. a sign-in ticket). */
  addSecret(secret: string): void {
    this.#addSecret(secret);
  }

  /**
   * Replaces every secret this client knows (tokens, session JWTs, the publishable key) with
   * `[redacted]`, and anything shaped like a JWT too: an error can echo a session JWT that no
   * answer has shown this client yet.
   */
  redact(text: string): string {
    let out = text;
    // At most MAX_SECRETS passes, each a linear string search.
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.replaceAll(secret, '[redacted]');
    return redactJwts(out);
  }

  /** Requests in flight to Clerk, and calls waiting for a slot. */
  get load(): { readonly inFlight: number; readonly queued: number } {
    return { inFlight: this.#slots.busy, queued: this.#slots.waiting + this.#writes.waiting };
  }

  #stopped = false;

  /**
   * Sends nothing more (the server is stopping): requests from now on, and those still waiting
   * for a slot, fail at once with a ClerkRequestError saying nothing was sent. Requests already
   * sent go on.
   */
  stop(): void {
    this.#stopped = true;
    this.#writes.stop();
    this.#slots.stop();
  }

  #notSent(label: RequestLabel, refusedBefore = false): ClerkRequestError {
    const what = refusedBefore ? 'was not sent again after Clerk refused it: it had no effect' : 'was not sent: nothing was sent to Clerk';
    return new ClerkRequestError(label, 'aborted', `the server is stopping, so ${label.method} ${label.path} ${what}.`, false);
  }

  /**
   * Sends one request; resolves with the envelope's payload or throws ClerkApiError / ClerkRequestError.
   * The whole call, waiting for a slot included, ends within twice CLERK_TIMEOUT_MS.
   */
  async request(request: ClerkRequest): Promise<ClerkPayload> {
    const label: RequestLabel = { method: request.method, path: request.path };
    if (this.#stopped) throw this.#notSent(label);
    if (this.#pending) await this.#pending;
    if (!this.#token && !request.anonymous) this.#reload();
    if (!this.#token && !request.anonymous) {
      // A refused credentials file says its own fix (a chmod, moving it aside): "run login" would be refused in turn.
      const message = this.#sourceRefusal ?? `${this.#noTokenReason ?? 'no Clerk client token'}: run \`${command('login')}\` in a terminal, or set CLERK_CLIENT_TOKEN; or start the server with --sandbox to try the tools.`;
      throw new ClerkRequestError(label, 'no-token', message, false);
    }
    // One signal for the call, aborted by the caller's cancel or by the deadline: cheaper, in a
    // burst, than AbortSignal.timeout() and AbortSignal.any() on every call.
    const controller = new AbortController();
    const { signal } = controller;
    const call: Call = { label, cancel: request.signal, expired: false, deadlineAt: Date.now() + this.#deadlineMs, retries: 0, sent: false, answered: false, retryWaitMs: 0, attemptStartedAt: 0, tried: new Set() };
    const deadline = setTimeout(() => {
      call.expired = true;
      controller.abort(new DOMException('The call took longer than its deadline', 'TimeoutError'));
    }, this.#deadlineMs);
    const cancel = (): void => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) cancel();
    else request.signal?.addEventListener('abort', cancel, { once: true });
    const releases: (() => void)[] = [];
    try {
      try {
        if (request.method !== 'GET') releases.push(await this.#writes.acquire(signal));
        releases.push(await this.#slots.acquire(signal));
      } catch (error) {
        throw error instanceof LimiterStopped ? this.#notSent(label) : this.#requestError(call, error);
      }
      if (!request.anonymous) this.#adoptChanged();
      for (let recoveries = 0; ; recoveries++) {
        try {
          return await this.#send(call, request, signal);
        } catch (error) {
          // Refused or stale credentials may have been replaced meanwhile (a rotation by another call
          // or process, a new login). A 401 or a stale answer means Clerk did nothing for this
          // session, so trying again with a token this call has not used is safe, even for a write.
          const refused = (error instanceof ClerkApiError && error.status === 401) || error instanceof StaleClient;
          // Stopping: the refusal stands; nothing is sent again.
          if (refused && this.#stopped) throw this.#notSent(label, true);
          if (!refused || request.anonymous || recoveries >= MAX_RECOVERIES || !(await this.#recover(call, signal, request.method !== 'GET'))) {
            throw error instanceof StaleClient ? this.#signedOut(call, error) : error;
          }
        }
      }
    } finally {
      clearTimeout(deadline);
      request.signal?.removeEventListener('abort', cancel);
      for (const release of releases.reverse()) release();
    }
  }

  /** Asks the credential source again and uses what it gives. Its failure becomes the no-token reason. */
  #reload(): void {
    const credentials = this.#askSource();
    if (credentials) this.useCredentials(credentials);
  }

  /** Before a call: when the source changed (another process's rotation, a new login), uses what it holds now if it is newer. */
  #adoptChanged(): void {
    if (!this.#credentialsChanged?.()) return;
    const credentials = this.#askSource();
    if (credentials && this.#isNewer(credentials.clientToken)) this.useCredentials(credentials);
  }

  /**
   * A token this client has never seen can only come from a new login or another process's
   * rotation; one seen before is older than ours (e.g. a write-back that failed).
   */
  #isNewer(token: string): boolean {
    return token !== this.#token && !this.#secrets.has(token);
  }

  /**
   * After a refused or stale answer: finds a token the call has not been sent with yet, true if it
   * did. Ours, if another call rotated it meanwhile; else the source's, if newer. When the token was
   * stale and the source still holds it, another process may be writing back the rotation that
   * made it stale: wait for that a little (STALE_WAIT_MS) before giving up.
   */
  async #recover(call: Call, signal: AbortSignal, isWrite: boolean): Promise<boolean> {
    const giveUpAt = Math.min(Date.now() + STALE_WAIT_MS, call.deadlineAt);
    let storedWasTried = false;
    for (let first = true; ; first = false) {
      if (this.#token !== undefined && !call.tried.has(this.#token)) return true;
      if (first || this.#credentialsChanged?.() !== false) {
        const credentials = this.#askSource();
        if (credentials && !call.tried.has(credentials.clientToken) && this.#isNewer(credentials.clientToken)) {
          this.useCredentials(credentials);
          return true;
        }
        storedWasTried = credentials !== undefined && call.tried.has(credentials.clientToken);
      }
      // A write of ours in flight may be rotating the token right now; so may another process, if
      // Clerk's answer says the token was stale (rather than signed out) and the file still holds it.
      const rotationMayCome = (call.stale && storedWasTried) || (!isWrite && this.#writes.busy > 0);
      if (!rotationMayCome || Date.now() >= giveUpAt || signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, STALE_POLL_MS));
    }
  }

  /** The error for a stale answer nothing could recover from: the sign-in was replaced or ended. */
  #signedOut(call: Call, stale: StaleClient): ClerkRequestError {
    const { label } = call;
    const how = this.#settings.clientToken === undefined ? `sign in again with \`${command('login')}\` in a terminal` : 'set a fresh CLERK_CLIENT_TOKEN';
    return new ClerkRequestError(label, 'signed-out', `Clerk answered ${label.method} ${label.path} ${stale.reason}: this sign-in was replaced or has ended; ${how}.`, false, { cause: stale });
  }

  #askSource(): ClerkCredentials | undefined {
    if (!this.#reloadCredentials) return undefined;
    try {
      const credentials = this.#reloadCredentials();
      this.#sourceRefusal = undefined;
      return credentials;
    } catch (error) {
      this.#sourceRefusal = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  }

  get #deadlineMs(): number {
    return callDeadlineMs(this.#settings.timeoutMs);
  }

  async #send(call: Call, request: ClerkRequest, signal: AbortSignal): Promise<ClerkPayload> {
    const { label } = call;
    const { ky, http } = await this.#client();
    let response: Response;
    try {
      // The query goes into the URL here: ky's searchParams option builds every request twice.
      response = await http(`${request.path.replace(/^\//, '')}?${this.#searchParams(request.path, request.query)}`, {
        method: request.method,
        ...(request.form ? { body: encodeForm(request.form) } : {}),
        retry: retryOptions(ky, request.method, this.#settings.maxRetryAfterMs ?? RETRY_AFTER_CAP_MS, call, signal, () => this.#stopped),
        // Rotated tokens are read here and below rather than in an afterResponse hook, for which ky
        // copies every response body. A failed attempt's answer may rotate the token for the next.
        hooks: {
          beforeRequest: [
            (attempt) => {
              // A retry whose wait ended after stop() is not sent: its earlier attempt was refused.
              if (this.#stopped) throw this.#notSent(label, call.sent);
              call.sent = true;
              call.answered = false;
              call.attemptStartedAt = Date.now();
              // A sign-in starts without a token, whatever this client holds (after the instance's hook).
              if (request.anonymous) attempt.headers.set('authorization', '');
              call.sentWith = request.anonymous ? undefined : this.#token;
              if (call.sentWith !== undefined) call.tried.add(call.sentWith);
            },
          ],
          beforeRetry: [
            ({ error }) => {
              call.retries++;
              if (!ky.isHTTPError(error)) return;
              this.#keepRotatedToken(call, error.response);
              // The refused answer's body is never read: let its connection go.
              discard(error.response);
            },
          ],
        },
        signal,
      });
    } catch (error) {
      if (ky.isHTTPError(error)) {
        // A 401 says this client is not signed in: any token it carries is for a new, signed-out client.
        if (error.response.status !== 401) this.#keepRotatedToken(call, error.response);
        else this.#noteReplacement(call, error.response);
        if (error.response.status >= 300 && error.response.status < 400) throw this.#redirectError(call, error.response, error);
        throw await this.#apiError(call, error.response, error, request.form);
      }
      if (error instanceof ClerkRequestError) throw error;
      throw this.#requestError(call, error);
    }
    // Clerk answered with success: a write has happened, whatever becomes of the body.
    const text = await this.#readBody(call, response);
    const body = this.#parseJson(call, response, text);
    if (isRecord(body)) this.#rememberSessionJwts(body.client);
    if (!isRecord(body) || !('response' in body)) {
      this.#keepRotatedToken(call, response);
      throw new ClerkRequestError(label, 'no-payload', `Clerk answered ${response.status} to ${label.method} ${label.path} without a "response" field: is CLERK_FRONTEND_API_URL pointing at a Clerk Frontend API?`, label.method !== 'GET');
    }
    // Checked before the token is kept: a stale token's answer carries a new client's token.
    if (!request.anonymous) this.#checkSameClient(call, request, body, response);
    this.#keepRotatedToken(call, response);
    return { response: body.response };
  }

  #searchParams(path: string, query: ClerkRequest['query']): URLSearchParams {
    // Query strings follow the same rules as form bodies: repeated keys, true/false.
    const params = encodeForm(query ?? {});
    // Set last, so that no tool argument can replace or repeat Clerk's own parameters.
    params.set('_is_native', '1');
    params.set('__clerk_api_version', this.#settings.apiVersion);
    // clerk-js sends the session on every path but those under /client and /waitlist.
    if (this.#sessionId && !CLIENT_PATHS.test(path)) params.set('_clerk_session_id', this.#sessionId);
    return params;
  }

  /**
   * Clerk answers a stale token with 200 and a brand-new client without sessions: an answer for
   * another client than the pinned one, or without the session a request needs, is not ours.
   */
  #checkSameClient(call: Call, request: ClerkRequest, body: Record<string, unknown>, response: Response): void {
    const stale = (reason: string): StaleClient => {
      // The new client's token is still a secret, though it is not ours.
      const token = bearer(response.headers.get('authorization') ?? '');
      if (token !== '') this.#addSecret(token);
      call.stale = true;
      return new StaleClient(reason);
    };
    // The envelope names the client the token acted as; `GET /v1/client` answers with it too.
    const answered = isRecord(body.response) && (body.response.object === 'client' || Array.isArray(body.response.sessions)) ? body.response : undefined;
    const client = isRecord(body.client) ? body.client : answered;
    const id = typeof client?.id === 'string' ? client.id : undefined;
    // Against the client of the token this request was sent with: a new login adopted meanwhile by
    // another call must not make an answer to the old client look stale.
    const pinned = call.sentWith === undefined ? this.#clientId : clientIdOf(call.sentWith);
    if (pinned !== undefined && id !== undefined && id !== pinned) throw stale('for another client (a new one, without sessions)');
    if (request.needsSession && !holdsSession(answered ?? client, this.#sessionId)) {
      throw stale(this.#sessionId ? `with a client that has no active session ${this.#sessionId}` : 'with a client that has no active session');
    }
  }

  /**
   * A 401 that carries another token than the one sent names a new client: the token sent was
   * stale (rotated by someone else), not signed out. The new token is still a secret.
   */
  #noteReplacement(call: Call, response: Response): void {
    const token = bearer(response.headers.get('authorization') ?? '');
    if (token === '' || token === call.sentWith) return;
    this.#addSecret(token);
    call.stale = true;
  }

  #keepRotatedToken(call: Call, response: Response): void {
    const header = response.headers.get('authorization');
    if (header === null) return;
    const token = bearer(header);
    // Answers can arrive out of order. One to a request sent with an older token than the one in
    // use comes from before the latest rotation: its token, or its clearing, is not for ours.
    const current = call.sentWith === this.#token;
    if (token === '') {
      // `Bearer ` alone is Clerk's "forget the token" (after DELETE /v1/client): never a token itself.
      if (current && this.#token !== undefined) this.#token = undefined;
      return;
    }
    if (token === this.#token) return;
    this.#addSecret(token);
    // A rotation keeps the client: a token for another client (pinned by its `id` claim) is not ours.
    // A sign-in (anonymous) starts a new client, whose token pins it.
    if (!current || (this.#clientId !== undefined && clientIdOf(token) !== this.#clientId)) return;
    const previous = this.#token;
    this.#token = token;
    this.#clientId = clientIdOf(token);
    this.#onTokenRotated?.(token, previous);
  }

  #addSecret(secret: string): void {
    // A blank "secret" would be found between every two characters of every message.
    if (secret.trim() === '') return;
    this.#secrets.add(secret);
    // Bounded: a long-running server rotates many times. The oldest go first, the configured ones stay.
    const keep = new Set([this.#settings.clientToken, this.#settings.publishableKey, this.#token]);
    for (const old of this.#secrets) {
      if (this.#secrets.size <= MAX_SECRETS) break;
      if (!keep.has(old)) this.#secrets.delete(old);
    }
  }

  /** Session JWTs ride in the envelope's `client` object; remember them so that none can slip into a message. */
  #rememberSessionJwts(client: unknown): void {
    const sessions = isRecord(client) && Array.isArray(client.sessions) ? client.sessions : [];
    for (const session of sessions) {
      const jwt = isRecord(session) && isRecord(session.last_active_token) ? session.last_active_token.jwt : undefined;
      if (typeof jwt === 'string' && jwt.length > 0) this.#addSecret(jwt);
    }
  }

  /**
   * Reads a body up to CLERK_MAX_RESPONSE_BYTES, within what is left of the attempt's
   * CLERK_TIMEOUT_MS (ky's timeout ends when the headers arrive); past either, the connection is dropped.
   */
  async #readBody(call: Call, response: Response): Promise<string> {
    const { label } = call;
    const cap = this.#settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const where = `${label.method} ${label.path}`;
    // A success to a write means Clerk did it; an unreadable answer does not undo that.
    const maybeApplied = label.method !== 'GET' && response.ok;
    const tooLarge = (size: string): ClerkRequestError =>
      new ClerkRequestError(label, 'too-large', `Clerk's answer (${response.status}) to ${where} is larger than ${cap} bytes (CLERK_MAX_RESPONSE_BYTES)${size}: it was not read. Ask for less (limit), or raise CLERK_MAX_RESPONSE_BYTES.`, maybeApplied);
    const declared = Number(response.headers.get('content-length') ?? '');
    if (declared > cap) {
      discard(response);
      throw tooLarge(` (${declared} bytes announced)`);
    }
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const bodyTimeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BodyTimeout()), Math.max(0, call.attemptStartedAt + this.#settings.timeoutMs - Date.now()));
    });
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), bodyTimeout]);
        if (done) break;
        size += value.byteLength;
        if (size > cap) throw tooLarge('');
        chunks.push(value);
      }
    } catch (error) {
      void reader.cancel().catch(() => undefined);
      if (error instanceof ClerkRequestError) throw error;
      throw this.#requestError(call, error, { maybeApplied, reading: true });
    } finally {
      clearTimeout(timer);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  }

  #parseJson(call: Call, response: Response, text: string): unknown {
    const { label } = call;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new ClerkRequestError(
        label,
        'not-json',
        `Clerk answered ${response.status} to ${label.method} ${label.path} with ${type}, not JSON (${Buffer.byteLength(text)} bytes): a proxy or gateway may be answering instead of Clerk; check CLERK_FRONTEND_API_URL.`,
        label.method !== 'GET' && response.ok,
        { cause: error },
      );
    }
  }

  async #apiError(call: Call, response: Response, cause: HTTPError, form: ClerkRequest['form']): Promise<Error> {
    const { label, retries } = call;
    let body: unknown;
    let unread = '';
    try {
      body = this.#parseJson(call, response, await this.#readBody(call, response));
    } catch (error) {
      // An error page too large or too slow to read says no more than its status.
      if (error instanceof ClerkRequestError && error.kind !== 'not-json') unread = ` It could not be read: ${error.message}`;
      body = undefined;
    }
    const errors: ClerkErrorItem[] = isRecord(body) && Array.isArray(body.errors)
      ? body.errors.filter(isRecord).map((e) => ({
          code: typeof e.code === 'string' ? e.code : 'unknown',
          ...(typeof e.message === 'string' ? { message: this.redact(e.message) } : {}),
          ...(typeof e.long_message === 'string' ? { long_message: this.redact(e.long_message) } : {}),
          ...(isRecord(e.meta) ? { meta: e.meta } : {}),
        }))
      : [];
    if (errors.length === 0) {
      const type = response.headers.get('content-type') ?? 'no content type';
      errors.push({ code: 'no_clerk_error_body', long_message: `The answer (${type}) carried no Clerk error body: a proxy or gateway may have answered.${unread}` });
    }
    const traceId = isRecord(body) && typeof body.clerk_trace_id === 'string' ? body.clerk_trace_id : undefined;
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    return new ClerkApiError(label, response.status, errors, traceId, retries, retryAfter, { cause, sent: quotable(form) });
  }

  /**
   * A redirect that nodeFetch did not follow: to another origin (where the client token is never
   * sent, so nothing was sent there), without a usable Location, or past MAX_REDIRECTS hops.
   */
  #redirectError(call: Call, response: Response, cause: HTTPError): ClerkRequestError {
    const { label } = call;
    const { status } = response;
    discard(response);
    const from = new URL(response.url || this.#settings.baseUrl);
    const location = response.headers.get('location');
    const target = location !== null && URL.canParse(location, from.href) ? new URL(location, from.href) : undefined;
    let where: string;
    // Only the origin: the rest of a Location may carry anything, a token included.
    if (!target) where = 'without a usable Location';
    else if (target.origin === from.origin) where = `more than ${MAX_REDIRECTS} times within ${from.origin}`;
    else where = `to another origin, ${target.origin}. It was not followed: the client token is never sent to another origin, and nothing was sent there`;
    // 303 (See Other) says the request was carried out and points at its result; the others ask for the request itself to be sent elsewhere.
    const applied = label.method !== 'GET' && status === 303;
    const notDone = label.method === 'GET' || applied ? '' : ` A ${status} redirect means the ${label.method} was not carried out at ${from.origin}.`;
    return new ClerkRequestError(
      label,
      'redirect',
      `${from.origin} answered ${label.method} ${label.path} with a redirect (${status}) ${where}.${notDone} If Clerk's Frontend API has moved (a proxy or custom domain), set CLERK_FRONTEND_API_URL to its new address.`,
      applied,
      { cause },
    );
  }

  #requestError(call: Call, error: unknown, body?: { maybeApplied: boolean; reading: true }): ClerkRequestError {
    const { label } = call;
    const code = networkCode(error);
    // A write that got no answer may still have been applied by Clerk, unless it never left, or its
    // latest attempt was refused (429) and the call ended while waiting to send it again.
    const maybeApplied = body?.maybeApplied ?? (call.sent && !call.answered && label.method !== 'GET' && !(code && NEVER_SENT.has(code)));
    const where = `${label.method} ${label.path}`;
    const options = { cause: error };
    if (call.cancel?.aborted) return new ClerkRequestError(label, 'aborted', `the request was cancelled (${where}).`, maybeApplied, options);
    if (call.expired) {
      const waiting = call.sent ? (call.retries ? `, after ${call.retries} ${call.retries === 1 ? 'retry' : 'retries'}` : '') : ', waiting for a free request slot (CLERK_MAX_CONCURRENCY): too many calls at once';
      return new ClerkRequestError(label, 'timeout', `no complete answer from Clerk within ${this.#deadlineMs} ms (twice CLERK_TIMEOUT_MS, for the whole call) to ${where}${waiting}.`, maybeApplied, options);
    }
    if (loadedKy?.isTimeoutError(error) || error instanceof BodyTimeout) {
      const what = body ? 'the whole answer did not arrive' : 'no answer from Clerk';
      return new ClerkRequestError(label, 'timeout', `${what} within ${this.#settings.timeoutMs} ms (CLERK_TIMEOUT_MS) to ${where}.`, maybeApplied, options);
    }
    const host = new URL(this.#settings.baseUrl).host;
    const malformed = malformedAnswer(error);
    if (malformed) {
      return new ClerkRequestError(label, 'malformed', `the answer from ${host} to ${where} was malformed (${malformed}): something other than Clerk's Frontend API may be answering there; check CLERK_FRONTEND_API_URL / CLERK_PUBLISHABLE_KEY.`, maybeApplied, options);
    }
    const why = code ?? rootCause(error);
    if (body) return new ClerkRequestError(label, 'network', `the connection to Clerk at ${host} broke while its answer to ${where} was being read${why ? ` (${why})` : ''}.`, maybeApplied, options);
    return new ClerkRequestError(label, 'network', `could not reach Clerk at ${host} for ${where}${why ? ` (${why})` : ''}: check the network and CLERK_FRONTEND_API_URL / CLERK_PUBLISHABLE_KEY.`, maybeApplied, options);
  }
}

// Form fields a hint may quote back (e.g. the role Clerk did not find): never a password, code or ticket.
const QUOTABLE = ['role', 'email_address'] as const;

function quotable(form: ClerkRequest['form']): Partial<Record<string, string>> {
  const sent: Partial<Record<string, string>> = {};
  for (const name of QUOTABLE) {
    const value = form?.[name];
    if (typeof value === 'string') sent[name] = value;
  }
  return sent;
}

/** What one call has done so far, for its hooks and its error messages. */
interface Call {
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

/** The body of an answer did not arrive within CLERK_TIMEOUT_MS of the attempt's start. */
class BodyTimeout extends Error {
  override readonly name = 'BodyTimeout';
}

/** The token in an Authorization header, with or without `Bearer `; empty for `Bearer ` alone (Clerk's "clear"). */
const bearer = (header: string): string => header.trim().replace(/^Bearer(?:\s+|$)/i, '').trim();

/**
 * The id of the Clerk client a client token belongs to: the `id` claim of its JWT payload, read
 * without verification (the token stays opaque otherwise). Undefined for a token that is not a JWT.
 */
export function clientIdOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return isRecord(claims) && typeof claims.id === 'string' && claims.id !== '' ? claims.id : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a Clerk client object holds the active session `sessionId` (else its last active one). */
function holdsSession(client: Record<string, unknown> | undefined, sessionId: string | undefined): boolean {
  const wanted = sessionId ?? client?.last_active_session_id;
  const sessions = client && Array.isArray(client.sessions) ? client.sessions : [];
  return sessions.some((s) => isRecord(s) && s.id === wanted && (s.status === undefined || s.status === 'active'));
}

/** A 200 answer for another client than ours, or without our session: what Clerk answers a stale token. */
class StaleClient extends Error {
  override readonly name = 'StaleClient';
  constructor(readonly reason: string) {
    super(`Clerk answered ${reason}`);
  }
}

// Paths on which clerk-js sends no `_clerk_session_id`.
const CLIENT_PATHS = /^\/v1\/(?:client|waitlist)(?:\/|$)/;

// After a refused or stale answer, tries with other tokens at most this many times; a 401 or a
// stale answer means Clerk did nothing, so each is safe. Several processes writing at once can
// each lose a race more than once.
const MAX_RECOVERIES = 4;
// How long a refused call waits for another process to write back the rotation that made its
// token stale, checking every STALE_POLL_MS (a write-back takes milliseconds).
const STALE_WAIT_MS = 2_000;
const STALE_POLL_MS = 15;

/** Drops an unread body, so that its connection is closed or reused instead of held. */
const discard = (response: Response): void => void response.body?.cancel().catch(() => undefined);

// Connection failures that prove nothing was sent.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The system error code (ECONNREFUSED, ENOTFOUND…) behind a fetch failure, if any. */
function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * What was wrong with an answer that was not valid HTTP: Node's parser refused it (HPE_…), its
 * status lay outside what a Response can carry (Node reads any 3 digits; fetch takes 200–599),
 * or its compressed body did not decode.
 */
function malformedAnswer(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) {
    if (e instanceof BodyDecodingError) return e.message;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('HPE_')) return code;
    if (e instanceof RangeError && /status/i.test(e.message)) return 'a status outside 200–599';
  }
  return undefined;
}

/** The innermost message of a fetch failure ("bad port", "other side closed"…), which says more than "fetch failed". */
function rootCause(error: unknown): string | undefined {
  let message: string | undefined;
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) message = e.message;
  return message;
}

const isError = (e: unknown): e is Error => e instanceof Error;
