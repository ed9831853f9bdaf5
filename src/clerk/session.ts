import { command } from '../invocation.js';
import { isRecord } from '../json.js';
import { ClerkRequestError } from './errors.js';
import type { Call, ClerkRequest } from './http.js';
import type { Secrets } from './secrets.js';
import type { ClerkSettings } from './settings.js';

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

/**
 * Who a Clerk client acts as: its client token, pinned to the Clerk client it belongs to, and the
 * session; rotations kept, stale answers recognised, credentials reloaded from their source.
 */
export class Session {
  #token: string | undefined;
  #sessionId: string | undefined;
  // The Clerk client the token belongs to (its JWT's `id` claim), as Clerk's SDKs pin it: a token
  // or an answer for another client is a stale token's replacement, never ours to adopt.
  #clientId: string | undefined;
  // Why the credential source failed when last asked (e.g. an unsafe credentials file): a whole message, fix included.
  #sourceRefusal: string | undefined;
  readonly #settings: ClerkSettings;
  readonly #options: ClerkClientOptions;
  readonly #secrets: Secrets;
  // Whether a write of this client is in flight (it may be rotating the token right now).
  readonly #writesBusy: () => boolean;

  constructor(settings: ClerkSettings, options: ClerkClientOptions, secrets: Secrets, writesBusy: () => boolean) {
    this.#settings = settings;
    this.#options = options;
    this.#secrets = secrets;
    this.#writesBusy = writesBusy;
    this.#token = settings.clientToken;
    this.#clientId = settings.clientToken === undefined ? undefined : clientIdOf(settings.clientToken);
    this.#sessionId = settings.sessionId;
  }

  /** The client token in use (rotated tokens replace the configured one). */
  get token(): string | undefined {
    return this.#token;
  }

  /** The session acted as (`_clerk_session_id`), if one is chosen. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Why the credential source failed when last asked: a whole message, fix included. */
  get sourceRefusal(): string | undefined {
    return this.#sourceRefusal;
  }

  /** Acts as another client token and session from now on. */
  use(credentials: ClerkCredentials): void {
    this.#token = credentials.clientToken;
    this.#clientId = clientIdOf(credentials.clientToken);
    this.#sessionId = credentials.sessionId;
    this.#secrets.add(credentials.clientToken);
  }

  /** Asks the credential source again and uses what it gives. Its failure becomes the no-token reason. */
  reload(): void {
    const credentials = this.#askSource();
    if (credentials) this.use(credentials);
  }

  /** Before a call: when the source changed (another process's rotation, a new login), uses what it holds now if it is newer. */
  adoptChanged(): void {
    if (!this.#options.credentialsChanged?.()) return;
    const credentials = this.#askSource();
    if (credentials && this.#isNewer(credentials.clientToken)) this.use(credentials);
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
  async recover(call: Call, signal: AbortSignal, isWrite: boolean): Promise<boolean> {
    const giveUpAt = Math.min(Date.now() + STALE_WAIT_MS, call.deadlineAt);
    let storedWasTried = false;
    for (let first = true; ; first = false) {
      if (this.#token !== undefined && !call.tried.has(this.#token)) return true;
      if (first || this.#options.credentialsChanged?.() !== false) {
        const credentials = this.#askSource();
        if (credentials && !call.tried.has(credentials.clientToken) && this.#isNewer(credentials.clientToken)) {
          this.use(credentials);
          return true;
        }
        storedWasTried = credentials !== undefined && call.tried.has(credentials.clientToken);
      }
      // A write of ours in flight may be rotating the token right now; so may another process, if
      // Clerk's answer says the token was stale (rather than signed out) and the file still holds it.
      const rotationMayCome = (call.stale && storedWasTried) || (!isWrite && this.#writesBusy());
      if (!rotationMayCome || Date.now() >= giveUpAt || signal.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, STALE_POLL_MS));
    }
  }

  /** The error for a stale answer nothing could recover from: the sign-in was replaced or ended. */
  signedOut(call: Call, stale: StaleClient): ClerkRequestError {
    const { label } = call;
    const how = this.#settings.clientToken === undefined ? `sign in again with \`${command('login')}\` in a terminal or \`${command('login --web')}\` in a browser` : 'set a fresh CLERK_CLIENT_TOKEN';
    return new ClerkRequestError(label, 'signed-out', `Clerk answered ${label.method} ${label.path} ${stale.reason}: this sign-in was replaced or has ended; ${how}.`, false, { cause: stale });
  }

  #askSource(): ClerkCredentials | undefined {
    if (!this.#options.reloadCredentials) return undefined;
    try {
      const credentials = this.#options.reloadCredentials();
      this.#sourceRefusal = undefined;
      return credentials;
    } catch (error) {
      this.#sourceRefusal = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  }

  /**
   * Clerk answers a stale token with 200 and a brand-new client without sessions: an answer for
   * another client than the pinned one, or without the session a request needs, is not ours.
   */
  checkSameClient(call: Call, request: ClerkRequest, body: Record<string, unknown>, response: Response): void {
    const stale = (reason: string): StaleClient => {
      // The new client's token is still a secret, though it is not ours.
      const token = bearer(response.headers.get('authorization') ?? '');
      if (token !== '') this.#secrets.add(token);
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
  noteReplacement(call: Call, response: Response): void {
    const token = bearer(response.headers.get('authorization') ?? '');
    if (token === '' || token === call.sentWith) return;
    this.#secrets.add(token);
    call.stale = true;
  }

  keepRotatedToken(call: Call, response: Response): void {
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
    this.#secrets.add(token);
    // A rotation keeps the client: a token for another client (pinned by its `id` claim) is not ours.
    // A sign-in (anonymous) starts a new client, whose token pins it.
    if (!current || (this.#clientId !== undefined && clientIdOf(token) !== this.#clientId)) return;
    const previous = this.#token;
    this.#token = token;
    this.#clientId = clientIdOf(token);
    this.#options.onTokenRotated?.(token, previous);
  }
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
export class StaleClient extends Error {
  override readonly name = 'StaleClient';
  constructor(readonly reason: string) {
    super(`Clerk answered ${reason}`);
  }
}

// After a refused or stale answer, tries with other tokens at most this many times; a 401 or a
// stale answer means Clerk did nothing, so each is safe. Several processes writing at once can
// each lose a race more than once.
export const MAX_RECOVERIES = 4;
// How long a refused call waits for another process to write back the rotation that made its
// token stale, checking every STALE_POLL_MS (a write-back takes milliseconds).
const STALE_WAIT_MS = 2_000;
const STALE_POLL_MS = 15;

