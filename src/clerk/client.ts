import type { HTTPError, KyInstance, RetryOptions } from 'ky';
import type { ClerkSettings } from '../config.js';
import { ClerkApiError, ClerkRequestError, type ClerkErrorItem, type RequestLabel } from './errors.js';
import { encodeForm, type FormValue } from './form.js';

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
}

/** Who the client acts as: a client token and, optionally, which of its sessions. */
export interface ClerkCredentials {
  readonly clientToken: string;
  readonly sessionId: string | undefined;
}

export interface ClerkClientOptions {
  /** Called with each token Clerk rotates in, e.g. to keep the stored credentials current. */
  readonly onTokenRotated?: (token: string) => void;
  /**
   * Asked again for credentials when there are none or Clerk refuses them (401), e.g. to re-read
   * the credentials file after a `login`; may throw an error whose message says what is wrong.
   */
  readonly reloadCredentials?: () => ClerkCredentials | undefined;
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
const loadKy = (): Promise<Ky> => (kyModule ??= import('ky'));

/** Longest wait a `Retry-After` can impose before a retry. */
export const RETRY_AFTER_CAP_MS = 10_000;

// A GET may be repeated after 429, a gateway failure or a network error; a POST only after 429,
// the one answer that says Clerk did nothing (a repeated create can invite someone twice).
function retryOptions({ isHTTPError }: Ky, method: HttpMethod, maxRetryAfter: number): RetryOptions | number {
  if (method === 'GET') return { limit: 2, methods: ['get'], statusCodes: [429, 502, 503, 504], afterStatusCodes: [429, 503], maxRetryAfter };
  if (method !== 'POST') return 0;
  return {
    limit: 2,
    methods: ['post'],
    statusCodes: [429],
    afterStatusCodes: [429],
    maxRetryAfter,
    // false stops ky from retrying network errors; undefined lets its 429 handling (Retry-After) run.
    shouldRetry: ({ error }) => (isHTTPError(error) && error.response.status === 429 ? undefined : false),
  };
}

/** A plain JSON object (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The one place that knows how to talk to Clerk's Frontend API: native auth with token rotation,
 * Clerk's query parameters, form bodies, the response envelope and error bodies, retries and timeouts.
 */
export class ClerkClient {
  readonly #settings: ClerkSettings;
  #http: Promise<{ ky: Ky; http: KyInstance }> | undefined;
  readonly #onTokenRotated: ((token: string) => void) | undefined;
  readonly #reloadCredentials: (() => ClerkCredentials | undefined) | undefined;
  #token: string | undefined;
  #sessionId: string | undefined;
  // Credentials still being obtained (a sign-in ticket exchanged at start-up): requests wait for them.
  #pending: Promise<void> | undefined;
  // Why there is no token, when something more precise than "none configured" is known.
  #noTokenReason: string | undefined;
  // Tokens and session JWTs this client has seen (and the publishable key), so that none can slip into a message.
  readonly #secrets = new Set<string>();

  constructor(settings: ClerkSettings, options: ClerkClientOptions = {}) {
    this.#settings = settings;
    this.#onTokenRotated = options.onTokenRotated;
    this.#reloadCredentials = options.reloadCredentials;
    this.#token = settings.clientToken;
    this.#sessionId = settings.sessionId;
    for (const secret of [settings.clientToken, settings.publishableKey]) if (secret) this.#secrets.add(secret);
  }

  #client(): Promise<{ ky: Ky; http: KyInstance }> {
    return (this.#http ??= loadKy().then((ky) => ({ ky, http: this.#create(ky) })));
  }

  #create({ default: ky }: Ky): KyInstance {
    const settings = this.#settings;
    return ky.create({
      prefixUrl: settings.baseUrl,
      timeout: settings.timeoutMs,
      headers: { accept: 'application/json' },
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
    this.#sessionId = credentials.sessionId;
    this.#addSecret(credentials.clientToken);
  }

  /**
   * Makes requests wait until `task` settles (credentials being obtained in the background); if it
   * leaves no token, `reason` is what requests answer. The task must not reject.
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

  /** Replaces every secret this client knows (tokens, session JWTs, the publishable key) with `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  /** Sends one request; resolves with the envelope's payload or throws ClerkApiError / ClerkRequestError. */
  async request(request: ClerkRequest): Promise<ClerkPayload> {
    const label: RequestLabel = { method: request.method, path: request.path };
    if (this.#pending) await this.#pending;
    if (!this.#token && !request.anonymous) this.#reload();
    if (!this.#token && !request.anonymous) {
      const reason = this.#noTokenReason ?? 'no Clerk client token';
      throw new ClerkRequestError(label, 'no-token', `${reason}: run \`clerk-invitations-mcp login\` in a terminal, or set CLERK_CLIENT_TOKEN; or start the server with --sandbox to try the tools.`, false);
    }
    const sentWith = this.#token;
    try {
      return await this.#send(request, label);
    } catch (error) {
      // Refused credentials may have been replaced meanwhile (a new login, another process's rotation):
      // a 401 means Clerk did nothing, so one more try with the fresh ones is safe, even for a POST.
      if (!(error instanceof ClerkApiError && error.status === 401) || request.anonymous || !this.#reload() || this.#token === sentWith) throw error;
      return this.#send(request, label);
    }
  }

  /** Asks the credential source again; true if it gave credentials. Its failure becomes the no-token reason. */
  #reload(): boolean {
    if (!this.#reloadCredentials) return false;
    try {
      const credentials = this.#reloadCredentials();
      if (!credentials) return false;
      this.useCredentials(credentials);
      return true;
    } catch (error) {
      this.#noTokenReason = error instanceof Error ? error.message : String(error);
      return false;
    }
  }

  async #send(request: ClerkRequest, label: RequestLabel): Promise<ClerkPayload> {
    const { ky, http } = await this.#client();
    let retries = 0;
    let response: Response;
    try {
      // The query goes into the URL here: ky's searchParams option builds every request twice.
      response = await http(`${request.path.replace(/^\//, '')}?${this.#searchParams(request.query)}`, {
        method: request.method,
        ...(request.form ? { body: encodeForm(request.form) } : {}),
        retry: retryOptions(ky, request.method, this.#settings.maxRetryAfterMs ?? RETRY_AFTER_CAP_MS),
        // Rotated tokens are read here and below rather than in an afterResponse hook, for which ky
        // copies every response body. A failed attempt's answer may rotate the token for the next.
        hooks: {
          beforeRetry: [
            ({ error }) => {
              retries++;
              if (ky.isHTTPError(error)) this.#keepRotatedToken(error.response);
            },
          ],
        },
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      if (ky.isHTTPError(error)) {
        this.#keepRotatedToken(error.response);
        throw await this.#apiError(label, error.response, retries, error);
      }
      throw this.#requestError(ky, label, error, request.signal);
    }
    this.#keepRotatedToken(response);
    const body = await this.#readJson(label, response);
    if (isRecord(body)) this.#rememberSessionJwts(body.client);
    if (!isRecord(body) || !('response' in body)) {
      throw new ClerkRequestError(label, 'no-payload', `Clerk answered ${response.status} to ${label.method} ${label.path} without a "response" field: is CLERK_FRONTEND_API_URL pointing at a Clerk Frontend API?`, false);
    }
    return { response: body.response };
  }

  #searchParams(query: ClerkRequest['query']): URLSearchParams {
    // Query strings follow the same rules as form bodies: repeated keys, true/false.
    const params = encodeForm(query ?? {});
    // Set last, so that no tool argument can replace or repeat Clerk's own parameters.
    params.set('_is_native', '1');
    params.set('__clerk_api_version', this.#settings.apiVersion);
    if (this.#sessionId) params.set('_clerk_session_id', this.#sessionId);
    return params;
  }

  #keepRotatedToken(response: Response): void {
    const header = response.headers.get('authorization')?.replace(/^Bearer\s+/i, '').trim();
    if (!header || header === this.#token) return;
    this.#token = header;
    this.#addSecret(header);
    this.#onTokenRotated?.(header);
  }

  #addSecret(secret: string): void {
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

  async #readJson(label: RequestLabel, response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new ClerkRequestError(
        label,
        'not-json',
        `Clerk answered ${response.status} to ${label.method} ${label.path} with ${type}, not JSON (${text.length} bytes): a proxy or gateway may be answering instead of Clerk; check CLERK_FRONTEND_API_URL.`,
        false,
        { cause: error },
      );
    }
  }

  async #apiError(label: RequestLabel, response: Response, retries: number, cause: HTTPError): Promise<Error> {
    let body: unknown;
    try {
      body = await this.#readJson(label, response);
    } catch {
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
      errors.push({ code: 'no_clerk_error_body', long_message: `The answer (${type}) carried no Clerk error body: a proxy or gateway may have answered.` });
    }
    const traceId = isRecord(body) && typeof body.clerk_trace_id === 'string' ? body.clerk_trace_id : undefined;
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    return new ClerkApiError(label, response.status, errors, traceId, retries, retryAfter, { cause });
  }

  #requestError({ isTimeoutError }: Ky, label: RequestLabel, error: unknown, signal: AbortSignal | undefined): ClerkRequestError {
    const code = networkCode(error);
    // A POST that got no answer may still have been applied by Clerk, unless it never left.
    const maybeApplied = label.method !== 'GET' && !(code && NEVER_SENT.has(code));
    const where = `${label.method} ${label.path}`;
    if (signal?.aborted) return new ClerkRequestError(label, 'aborted', `the request was cancelled (${where}).`, maybeApplied, { cause: error });
    if (isTimeoutError(error)) {
      return new ClerkRequestError(label, 'timeout', `no answer from Clerk within ${this.#settings.timeoutMs} ms (CLERK_TIMEOUT_MS) to ${where}.`, maybeApplied, { cause: error });
    }
    const host = new URL(this.#settings.baseUrl).host;
    const why = code ?? rootCause(error);
    return new ClerkRequestError(label, 'network', `could not reach Clerk at ${host} for ${where}${why ? ` (${why})` : ''}: check the network and CLERK_FRONTEND_API_URL / CLERK_PUBLISHABLE_KEY.`, maybeApplied, { cause: error });
  }
}

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

/** The innermost message of a fetch failure ("bad port", "other side closed"…), which says more than "fetch failed". */
function rootCause(error: unknown): string | undefined {
  let message: string | undefined;
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) message = e.message;
  return message;
}

const isError = (e: unknown): e is Error => e instanceof Error;
