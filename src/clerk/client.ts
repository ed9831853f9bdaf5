import type { KyInstance } from 'ky';
import { command } from '../invocation.js';
import { isRecord } from '../json.js';
import { apiError, parseJson, readBody } from './answer.js';
import { ClerkApiError, ClerkRequestError, type RequestLabel } from './errors.js';
import { encodeForm } from './form.js';
import { createHttp, discard, loadKy, retryOptions, searchParams, startCall, RETRY_AFTER_CAP_MS, type Call, type ClerkPayload, type ClerkRequest, type HttpContext, type Ky } from './http.js';
import { redirectError, requestError } from './http-errors.js';
import { Limiter, LimiterStopped } from './limiter.js';
import { Secrets } from './secrets.js';
import { MAX_RECOVERIES, Session, StaleClient, type ClerkClientOptions, type ClerkCredentials } from './session.js';
import { callDeadlineMs, DEFAULT_MAX_CONCURRENCY, type ClerkSettings } from './settings.js';

export type { ClerkPayload, ClerkRequest, HttpMethod, QueryValue } from './http.js';
export { RETRY_AFTER_CAP_MS } from './http.js';
export type { ClerkClientOptions, ClerkCredentials } from './session.js';
export { clientIdOf } from './session.js';

/**
 * The one place that knows how to talk to Clerk's Frontend API: native auth with token rotation
 * (session.ts), Clerk's query parameters, form bodies, the response envelope and error bodies
 * (answer.ts, http-errors.ts), retries and timeouts (http.ts), redaction (secrets.ts).
 */
export class ClerkClient {
  readonly #settings: ClerkSettings;
  #http: Promise<{ ky: Ky; http: KyInstance }> | undefined;
  readonly #session: Session;
  // Credentials still being obtained (a sign-in ticket exchanged at start-up): requests wait for them.
  #pending: Promise<void> | undefined;
  // Why there is no token, when something more precise than "none configured" is known.
  #noTokenReason: string | undefined;
  // Every request holds a slot while it is in flight, so that an agent's loop cannot hammer Clerk.
  readonly #slots: Limiter;
  // Writes go one at a time: each may rotate the client token, and a token rotated out is stale
  // (Clerk answers it with a new, signed-out client), so a second write sent with it would fail.
  readonly #writes = new Limiter(1);
  // Tokens and session JWTs this client has seen (and the publishable key), so that none can slip into a message.
  readonly #secrets: Secrets;
  // What the answer-reading and error parts need: the settings and the redactor.
  readonly #context: HttpContext;

  constructor(settings: ClerkSettings, options: ClerkClientOptions = {}) {
    this.#settings = settings;
    this.#secrets = new Secrets([settings.clientToken, settings.publishableKey], () => [settings.clientToken, settings.publishableKey, this.#session.token]);
    this.#session = new Session(settings, options, this.#secrets, () => this.#writes.busy > 0);
    this.#slots = new Limiter(settings.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    this.#context = { settings, redact: (text) => this.redact(text) };
  }

  #client(): Promise<{ ky: Ky; http: KyInstance }> {
    // The version too, on first use: read at import, it would tie every module that imports this one to package.json.
    return (this.#http ??= Promise.all([loadKy(), import('../version.js')]).then(([ky, { VERSION }]) => ({ ky, http: createHttp(ky, this.#settings, VERSION, () => this.#session.token) })));
  }

  /** The client token currently in use (rotated tokens replace the configured one). */
  get clientToken(): string | undefined {
    return this.#session.token;
  }

  /** The session this client acts as (`_clerk_session_id`), if one is chosen. */
  get sessionId(): string | undefined {
    return this.#session.sessionId;
  }

  /** The Frontend API this client talks to. */
  get baseUrl(): string {
    return this.#settings.baseUrl;
  }

  /** Acts as another client token and session from now on (after a sign-in, or read from the credentials file). */
  useCredentials(credentials: ClerkCredentials): void {
    this.#session.use(credentials);
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

  /**
   * Whether no request could act as anyone now: no token, none in the credential source (read
   * again), and none on its way (a ticket being exchanged). False when the source refused: that
   * refusal names its own fix, which a new sign-in would not bring.
   */
  needsSignIn(): boolean {
    if (this.#pending || this.#session.token) return false;
    this.#session.reload();
    return !this.#session.token && this.#session.sourceRefusal === undefined;
  }

  /** Says why there is no client token, for the error every request answers until there is one. */
  setNoTokenReason(reason: string): void {
    this.#noTokenReason = reason;
  }

  /** Remembers a secret that must never appear in a message (e.g. a sign-in ticket). */
  addSecret(secret: string): void {
    this.#secrets.add(secret);
  }

  /**
   * Replaces every secret this client knows (tokens, session JWTs, the publishable key) with
   * `[redacted]`, and anything shaped like a JWT too: an error can echo a session JWT that no
   * answer has shown this client yet.
   */
  redact(text: string): string {
    return this.#secrets.redact(text);
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
    if (!this.#session.token && !request.anonymous) this.#session.reload();
    if (!this.#session.token && !request.anonymous) {
      // A refused credentials file says its own fix (a chmod, moving it aside): "run login" would be refused in turn.
      const message = this.#session.sourceRefusal ?? `${this.#noTokenReason ?? 'no Clerk client token'}: run \`${command('login')}\` in a terminal, or set CLERK_CLIENT_TOKEN; or sign in in a browser with \`${command('login --web')}\`; or start the server with --sandbox to try the tools.`;
      throw new ClerkRequestError(label, 'no-token', message, false);
    }
    const { call, signal, end } = startCall(label, request.signal, this.#deadlineMs);
    const releases: (() => void)[] = [];
    try {
      try {
        if (request.method !== 'GET') releases.push(await this.#writes.acquire(signal));
        releases.push(await this.#slots.acquire(signal));
      } catch (error) {
        throw error instanceof LimiterStopped ? this.#notSent(label) : requestError(this.#context, call, error);
      }
      if (!request.anonymous) this.#session.adoptChanged();
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
          if (!refused || request.anonymous || recoveries >= MAX_RECOVERIES || !(await this.#session.recover(call, signal, request.method !== 'GET'))) {
            throw error instanceof StaleClient ? this.#session.signedOut(call, error) : error;
          }
        }
      }
    } finally {
      end();
      for (const release of releases.reverse()) release();
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
      response = await http(`${request.path.replace(/^\//, '')}?${searchParams(this.#settings.apiVersion, this.#session.sessionId, request.path, request.query)}`, {
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
              call.sentWith = request.anonymous ? undefined : this.#session.token;
              if (call.sentWith !== undefined) call.tried.add(call.sentWith);
            },
          ],
          beforeRetry: [
            ({ error }) => {
              call.retries++;
              if (!ky.isHTTPError(error)) return;
              this.#session.keepRotatedToken(call, error.response);
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
        if (error.response.status !== 401) this.#session.keepRotatedToken(call, error.response);
        else this.#session.noteReplacement(call, error.response);
        if (error.response.status >= 300 && error.response.status < 400) throw redirectError(this.#context, call, error.response, error);
        throw await apiError(this.#context, call, error.response, error, request.form);
      }
      if (error instanceof ClerkRequestError) throw error;
      throw requestError(this.#context, call, error);
    }
    // Clerk answered with success: a write has happened, whatever becomes of the body.
    const text = await readBody(this.#context, call, response);
    const body = parseJson(call, response, text);
    if (isRecord(body)) this.#secrets.rememberSessionJwts(body.client);
    if (!isRecord(body) || !('response' in body)) {
      this.#session.keepRotatedToken(call, response);
      throw new ClerkRequestError(label, 'no-payload', `Clerk answered ${response.status} to ${label.method} ${label.path} without a "response" field: is CLERK_FRONTEND_API_URL pointing at a Clerk Frontend API?`, label.method !== 'GET');
    }
    // Checked before the token is kept: a stale token's answer carries a new client's token.
    if (!request.anonymous) this.#session.checkSameClient(call, request, body, response);
    this.#session.keepRotatedToken(call, response);
    return { response: body.response };
  }
}

