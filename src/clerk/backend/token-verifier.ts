import { createHash } from 'node:crypto';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { isRecord } from '../../json.js';
import { log } from '../../log.js';
import { ClerkApiError } from '../errors.js';
import type { BackendClient } from './client.js';

export const VERIFY_PATH = '/v1/oauth_applications/access_tokens/verify';

export interface TokenVerifierOptions {
  /** How long a verification (a yes or a no) is reused, in ms; never past the token's expiration. Default 5 s. */
  readonly cacheMs?: number;
  /** Most verifications kept; the oldest go first. Default 10,000. */
  readonly maxEntries?: number;
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

/** The user a verified token acts for (`AuthInfo.extra.subject`), or undefined. */
export function subjectOf(authInfo: AuthInfo | undefined): string | undefined {
  const subject = authInfo?.extra?.subject;
  return typeof subject === 'string' ? subject : undefined;
}

/**
 * Verifies OAuth access tokens with Clerk's Backend API (`POST /v1/oauth_applications/access_tokens/verify`),
 * as the MCP SDK's bearer gate asks: an AuthInfo for a live token (subject in `extra`), an
 * OAuthError otherwise. Unknown, revoked, expired and `{ active: false }` tokens are `invalid_token`;
 * when Clerk cannot answer (rate limit, outage) it is `temporarily_unavailable`; when Clerk refuses
 * the server's own secret key, `server_error`. Each verification is kept for a few seconds, keyed
 * by a hash of the token (the token itself is never a key, nor logged), and concurrent
 * verifications of one token share one request: a burst of calls from one agent costs one call to
 * Clerk, from the budget every replica shares.
 */
export class ClerkTokenVerifier implements OAuthTokenVerifier {
  readonly #client: BackendClient;
  readonly #cacheMs: number;
  readonly #maxEntries: number;
  readonly #allowed: ReadonlySet<string> | undefined;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();

  constructor(client: BackendClient, options: TokenVerifierOptions = {}) {
    this.#client = client;
    this.#cacheMs = options.cacheMs ?? DEFAULT_TOKEN_CACHE_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#allowed = options.allowedClientIds ? new Set(options.allowedClientIds) : undefined;
    this.#now = options.now ?? Date.now;
  }

  /** Verifications kept. */
  get cached(): number {
    return this.#cache.size;
  }

  verifyAccessToken(token: string): Promise<AuthInfo> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > now) return hit.outcome;
    this.#cache.delete(key);
    const outcome = this.#verify(token);
    // Kept until the answer says otherwise (below); a failure to ask is not kept at all.
    this.#remember(key, { until: now + this.#cacheMs, outcome });
    outcome.then(
      (info) => {
        // Never past the token's own expiry.
        const until = Math.min(now + this.#cacheMs, (info.expiresAt ?? 0) * 1000);
        if (this.#cache.get(key)?.outcome === outcome) this.#cache.set(key, { until, outcome });
      },
      (error: unknown) => {
        const refused = error instanceof OAuthError && error.code === OAuthErrorCode.InvalidToken;
        if (!refused && this.#cache.get(key)?.outcome === outcome) this.#cache.delete(key);
      },
    );
    return outcome;
  }

  #remember(key: string, entry: Entry): void {
    this.#cache.set(key, entry);
    for (const oldest of this.#cache.keys()) {
      if (this.#cache.size <= this.#maxEntries) break;
      this.#cache.delete(oldest);
    }
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
    const refuse = (why: string): OAuthError => new OAuthError(OAuthErrorCode.InvalidToken, why);
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
      log(`verifying an access token: Clerk refused the server's secret key (${detail}): check CLERK_SECRET_KEY.`, this.#client);
      return new OAuthError(OAuthErrorCode.ServerError, 'The server cannot verify access tokens: its Clerk configuration is wrong');
    }
    log(`verifying an access token: Clerk could not answer (${detail}).`, this.#client);
    return new OAuthError(OAuthErrorCode.TemporarilyUnavailable, 'The access token cannot be verified right now: try again shortly');
  }
}
