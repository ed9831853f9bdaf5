import type { KyInstance } from 'ky';
import { apiError, parseJson, readBody } from '../answer.js';
import { ClerkApiError, ClerkRequestError, type RequestLabel } from '../errors.js';
import type { FormValue } from '../form.js';
import { encodeForm } from '../form.js';
import { createHttp, loadKy, retryOptions, startCall, RETRY_AFTER_CAP_MS, type Call, type HttpContext, type HttpMethod, type Ky, type Upstream } from '../http.js';
import { redirectError, requestError } from '../http-errors.js';
import { Limiter, LimiterStopped } from '../limiter.js';
import { Secrets } from '../secrets.js';
import { callDeadlineMs, DEFAULT_MAX_CONCURRENCY, type ClerkSettings } from '../settings.js';
import type { BackendSettings } from './settings.js';

/** One call to the Backend API. */
export interface BackendRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, already percent-encoded, e.g. `/v1/users/user_1/organization_memberships`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, FormValue | undefined>>;
  /** Sent as JSON (`Content-Type: application/json`). */
  readonly json?: unknown;
  /** Fields a hint may quote back from Clerk's refusal (role, email_address): never a token. */
  readonly quotable?: Readonly<Record<string, FormValue | undefined>> | undefined;
  readonly signal?: AbortSignal | undefined;
}

export const BACKEND_API: Upstream = {
  name: "Clerk's Backend API",
  urlSetting: 'CLERK_BACKEND_API_URL',
  check: 'CLERK_BACKEND_API_URL',
  credential: 'the secret key',
};

/**
 * Clerk's Backend API with the instance's secret key (`Authorization: Bearer sk_…`,
 * `Clerk-API-Version`, JSON bodies), shared by every user of a hosted server. Retries as the
 * Frontend API client does (http.ts): a GET after 429, 502–504 or a network error, a POST only after
 * 429, where Clerk did nothing: a write that may have been applied is never sent again. The
 * secret key is scrubbed from every message.
 */
export class BackendClient {
  readonly #settings: BackendSettings;
  // The Frontend API client's HTTP parts read these fields of a ClerkSettings.
  readonly #http: ClerkSettings;
  #client: Promise<{ ky: Ky; http: KyInstance }> | undefined;
  readonly #slots: Limiter;
  readonly #secrets: Secrets;
  readonly #context: HttpContext;
  #stopped = false;

  constructor(settings: BackendSettings) {
    this.#settings = settings;
    const { baseUrl, apiVersion, timeoutMs, maxResponseBytes, maxConcurrency, maxRetryAfterMs } = settings;
    // Everything but the secret key, which only the Authorization hook reads.
    this.#http = {
      baseUrl,
      apiVersion,
      timeoutMs,
      clientToken: undefined,
      sessionId: undefined,
      ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
      ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
      ...(maxRetryAfterMs !== undefined ? { maxRetryAfterMs } : {}),
    };
    this.#secrets = new Secrets([settings.secretKey], () => [settings.secretKey]);
    this.#slots = new Limiter(settings.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    this.#context = { settings: this.#http, redact: (text) => this.redact(text), upstream: BACKEND_API };
  }

  get baseUrl(): string {
    return this.#settings.baseUrl;
  }

  /** Replaces the secret key with `[redacted]`, and anything shaped like a JWT. */
  redact(text: string): string {
    return this.#secrets.redact(text);
  }

  /** Sends nothing more: requests from now on, and those waiting for a slot, fail saying nothing was sent. */
  stop(): void {
    this.#stopped = true;
    this.#slots.stop();
  }

  #connection(): Promise<{ ky: Ky; http: KyInstance }> {
    return (this.#client ??= Promise.all([loadKy(), import('../../version.js')]).then(([ky, { VERSION }]) => ({
      ky,
      http: createHttp(ky, this.#http, VERSION, () => this.#settings.secretKey),
    })));
  }

  /**
   * Sends one request; resolves with the answer's JSON body or throws ClerkApiError /
   * ClerkRequestError, redacted. The whole call, waiting for a slot included, ends within twice
   * CLERK_TIMEOUT_MS.
   */
  async request(request: BackendRequest): Promise<unknown> {
    const label: RequestLabel = { method: request.method, path: request.path };
    const notSent = (): ClerkRequestError => new ClerkRequestError(label, 'aborted', `the server is stopping, so ${label.method} ${label.path} was not sent: nothing was sent to Clerk.`, false);
    if (this.#stopped) throw notSent();
    const { call, signal, end } = startCall(label, request.signal, callDeadlineMs(this.#settings.timeoutMs));
    let release: (() => void) | undefined;
    try {
      try {
        release = await this.#slots.acquire(signal);
      } catch (error) {
        throw error instanceof LimiterStopped ? notSent() : requestError(this.#context, call, error);
      }
      return await this.#send(call, request, signal);
    } finally {
      end();
      release?.();
    }
  }

  async #send(call: Call, request: BackendRequest, signal: AbortSignal): Promise<unknown> {
    const { ky, http } = await this.#connection();
    const query = encodeForm(request.query ?? {}).toString();
    let response: Response;
    try {
      response = await http(`${request.path.replace(/^\//, '')}${query ? `?${query}` : ''}`, {
        method: request.method,
        headers: { 'clerk-api-version': this.#settings.apiVersion },
        ...(request.json !== undefined ? { json: request.json } : {}),
        retry: retryOptions(ky, request.method, this.#settings.maxRetryAfterMs ?? RETRY_AFTER_CAP_MS, call, signal, () => this.#stopped),
        hooks: {
          beforeRequest: [
            () => {
              call.sent = true;
              call.answered = false;
              call.attemptStartedAt = Date.now();
            },
          ],
          beforeRetry: [() => void call.retries++],
        },
        signal,
      });
    } catch (error) {
      if (ky.isHTTPError(error) && error.response.status >= 300 && error.response.status < 400) throw redirectError(this.#context, call, error.response, error);
      if (ky.isHTTPError(error)) throw await apiError(this.#context, call, error.response, error, request.quotable);
      if (error instanceof ClerkRequestError || error instanceof ClerkApiError) throw error;
      throw requestError(this.#context, call, error);
    }
    // A success to a write means Clerk did it, whatever becomes of the body.
    return parseJson(call, response, await readBody(this.#context, call, response), BACKEND_API.urlSetting);
  }
}
