import { createHash } from 'node:crypto';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { isRecord } from '../../json.js';
import { log } from '../../log.js';
import { ClerkApiError } from '../errors.js';
import { Limiter, LimiterFull } from '../limiter.js';
import type { BackendClient } from './client.js';
import { mayBeClerkAccessToken } from './token-shape.js';

export const VERIFY_PATH = '/v1/oauth_applications/access_tokens/verify';

export interface TokenVerifierOptions {
  /** How long a verification (a yes or a no) is reused, in ms; never past the token's expiration. Default 5 s. */
  readonly cacheMs?: number;
  /** Most tokens found valid kept; the oldest go first. Default 10,000. */
  readonly maxEntries?: number;
  /**
   * Most refusals kept, apart from the valid tokens: a flood of distinct bad tokens evicts only
   * other refusals, never a valid user's verification. Default 1,000.
   */
  readonly maxRefusals?: number;
  /** Verifications sent to Clerk at once, out of the Backend API client's slots. Default 2. */
  readonly concurrency?: number;
  /** Verifications waiting for one of those; past that, 503 (temporarily_unavailable) at once. Default 32. */
  readonly maxWaiting?: number;
  /**
   * The OAuth applications (client ids) whose tokens are accepted; undefined accepts every client
   * of the instance. Clerk's verify answer names no audience, so this is the one way to refuse a
   * token the instance issued to another application.
   */
  readonly allowedClientIds?: readonly string[] | undefined;
  readonly now?: () => number;
}

/** What `AuthInfo.extra` carries: the Clerk user the token acts for, and the token's id. */
export interface ClerkTokenExtra {
  readonly subject: string;
  readonly tokenId: string;
}

interface Entry {
  readonly until: number;
  readonly outcome: Promise<AuthInfo>;
}

export const DEFAULT_TOKEN_CACHE_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_REFUSALS = 1_000;
const DEFAULT_CONCURRENCY = 2;
const DEFAULT_MAX_WAITING = 32;
// A failing Clerk fails every verification: one log line per interval says so, with a count.
const LOG_INTERVAL_MS = 10_000;

/** The user a verified token acts for (`AuthInfo.extra.subject`), or undefined. */
export function subjectOf(authInfo: AuthInfo | undefined): string | undefined {
  const subject = authInfo?.extra?.subject;
  return typeof subject === 'string' ? subject : undefined;
}

const refuse = (why: string): OAuthError => new OAuthError(OAuthErrorCode.InvalidToken, why);

// Keeps `entry` under `key` in `map`, dropping the oldest entries past `max`.
function keep(map: Map<string, Entry>, key: string, entry: Entry, max: number): void {
  map.delete(key);
  map.set(key, entry);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

/**
 * Verifies OAuth access tokens with Clerk's Backend API (`POST /v1/oauth_applications/access_tokens/verify`),
 * as the MCP SDK's bearer gate asks: an AuthInfo for a live token (subject in `extra`), an
 * OAuthError otherwise. Unknown, revoked, expired and `{ active: false }` tokens are `invalid_token`;
 * when Clerk cannot answer (rate limit, outage) it is `temporarily_unavailable`; when Clerk refuses
 * the server's own secret key, `server_error`.
 *
 * Every call to Clerk spends the budget all replicas share, so: a token that cannot be Clerk's
 * (token-shape.ts) is refused without asking; verifications get their own few slots, out of the
 * Backend API client's, with a bounded line (full: `temporarily_unavailable`, 503), so a flood of
 * tokens cannot starve tool calls; each answer is kept for a few seconds, keyed by a hash of the
 * token (the token itself is never a key, nor logged), refusals apart from valid tokens; and
 * concurrent verifications of one token share one request.
 */
export class ClerkTokenVerifier implements OAuthTokenVerifier {
  readonly #client: BackendClient;
  readonly #cacheMs: number;
  readonly #maxEntries: number;
  readonly #maxRefusals: number;
  readonly #allowed: ReadonlySet<string> | undefined;
  readonly #now: () => number;
  readonly #slots: Limiter;
  readonly #verified = new Map<string, Entry>();
  readonly #refused = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<AuthInfo>>();
  #loggedAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(client: BackendClient, options: TokenVerifierOptions = {}) {
    this.#client = client;
    this.#cacheMs = options.cacheMs ?? DEFAULT_TOKEN_CACHE_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#maxRefusals = options.maxRefusals ?? DEFAULT_MAX_REFUSALS;
    this.#allowed = options.allowedClientIds ? new Set(options.allowedClientIds) : undefined;
    this.#now = options.now ?? Date.now;
    this.#slots = new Limiter(options.concurrency ?? DEFAULT_CONCURRENCY, options.maxWaiting ?? DEFAULT_MAX_WAITING);
  }

  /** Valid tokens' verifications kept. */
  get cached(): number {
    return this.#verified.size;
  }

  /** Refusals kept. */
  get refusalsCached(): number {
    return this.#refused.size;
  }

  verifyAccessToken(token: string): Promise<AuthInfo> {
    if (!mayBeClerkAccessToken(token)) return Promise.reject(refuse('The access token is not one Clerk issues'));
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.#now();
    const hit = this.#verified.get(key) ?? this.#refused.get(key);
    if (hit && hit.until > now) return hit.outcome;
    this.#verified.delete(key);
    this.#refused.delete(key);
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const outcome = this.#verifyInTurn(token);
    this.#pending.set(key, outcome);
    outcome.then(
      (info) => {
        this.#pending.delete(key);
        // Never past the token's own expiry.
        const until = Math.min(now + this.#cacheMs, (info.expiresAt ?? 0) * 1000);
        keep(this.#verified, key, { until, outcome }, this.#maxEntries);
      },
      (error: unknown) => {
        this.#pending.delete(key);
        // A failure to ask is not kept at all.
        if (error instanceof OAuthError && error.code === OAuthErrorCode.InvalidToken) keep(this.#refused, key, { until: now + this.#cacheMs, outcome }, this.#maxRefusals);
      },
    );
    return outcome;
  }

  async #verifyInTurn(token: string): Promise<AuthInfo> {
    let release: () => void;
    try {
      release = await this.#slots.acquire();
    } catch (error) {
      if (!(error instanceof LimiterFull)) throw error;
      this.#log('verifying access tokens: too many verifications are waiting for Clerk; refusing more for now (503).');
      throw new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'The access token cannot be verified right now: try again shortly');
    }
    try {
      return await this.#verify(token);
    } finally {
      release();
    }
  }

  // One line per LOG_INTERVAL_MS, saying how many like it were not written: a flood must not flood the log.
  #log(message: string): void {
    const now = this.#now();
    if (now - this.#loggedAt < LOG_INTERVAL_MS) {
      this.#unlogged++;
      return;
    }
    const unlogged = this.#unlogged > 0 ? ` (${this.#unlogged} similar line(s) not written in the last ${LOG_INTERVAL_MS / 1000} s)` : '';
    this.#loggedAt = now;
    this.#unlogged = 0;
    log(`${message}${unlogged}`, this.#client);
  }

  async #verify(token: string): Promise<AuthInfo> {
    let answer: unknown;
    try {
      answer = await this.#client.request({ method: 'POST', path: VERIFY_PATH, json: { access_token: token } });
    } catch (error) {
      throw this.#failure(error, token);
    }
    return this.#authInfo(answer, token);
  }

  #authInfo(answer: unknown, token: string): AuthInfo {
    if (!isRecord(answer) || answer.active === false) throw refuse('The access token is expired or not active');
    if (answer.object !== 'clerk_idp_oauth_access_token') throw refuse('The access token is not an OAuth access token of this Clerk instance');
    if (answer.revoked === true) throw refuse('The access token was revoked');
    if (answer.expired === true) throw refuse('The access token has expired');
    const { subject, client_id: clientId, id } = answer;
    if (typeof subject !== 'string' || !subject.startsWith('user_') || typeof clientId !== 'string' || clientId === '') {
      throw refuse('The access token does not act for a user of this Clerk instance');
    }
    if (this.#allowed && !this.#allowed.has(clientId)) throw refuse('The access token was issued to an application this server does not accept');
    const scopes = Array.isArray(answer.scopes) ? answer.scopes.filter((s): s is string => typeof s === 'string') : [];
    // A token Clerk gives no expiration is taken as valid only as long as this verification is
    // kept: the SDK's gate needs an expiry, and the next request verifies it again.
    const expiresAt = typeof answer.expiration === 'number' && Number.isFinite(answer.expiration) ? answer.expiration : Math.floor((this.#now() + this.#cacheMs) / 1000);
    if (expiresAt * 1000 <= this.#now()) throw refuse('The access token has expired');
    const extra: ClerkTokenExtra = { subject, tokenId: typeof id === 'string' ? id : '' };
    return { token, clientId, scopes, expiresAt, extra: { ...extra } };
  }

  /** Why Clerk's verify call failed, as the bearer gate answers it; logged (redacted), never with Clerk's words in the answer. */
  #failure(error: unknown, token: string): OAuthError {
    const detail = this.#client.redact((error instanceof Error ? error.message : String(error)).replaceAll(token, '[redacted]'));
    if (error instanceof ClerkApiError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403 && error.status !== 429) {
      // 400, 404, 422: Clerk does not know the token (forged, mistyped, or another instance's).
      return new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is not known to this Clerk instance');
    }
    if (error instanceof ClerkApiError && (error.status === 401 || error.status === 403)) {
      this.#log(`verifying an access token: Clerk refused the server's secret key (${detail}): check CLERK_SECRET_KEY.`);
      return new OAuthError(OAuthErrorCode.ServerError, 'The server cannot verify access tokens: its Clerk configuration is wrong');
    }
    this.#log(`verifying an access token: Clerk could not answer (${detail}).`);
    return new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'The access token cannot be verified right now: try again shortly');
  }
}
