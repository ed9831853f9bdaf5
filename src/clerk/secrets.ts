import { isRecord } from '../json.js';
import { redactJwts } from './redact.js';

// How many tokens and session JWTs the redactor remembers.
const MAX_SECRETS = 64;

/**
 * The secrets a Clerk client has seen (tokens, session JWTs, the publishable key, tickets), so
 * that none can slip into a message; bounded, the oldest going first.
 */
export class Secrets {
  readonly #secrets = new Set<string>();
  // The secrets never dropped: the configured ones, and the token in use.
  readonly #kept: () => readonly (string | undefined)[];

  constructor(initial: readonly (string | undefined)[], kept: () => readonly (string | undefined)[]) {
    for (const secret of initial) if (secret) this.#secrets.add(secret);
    this.#kept = kept;
  }

  has(secret: string): boolean {
    return this.#secrets.has(secret);
  }

  add(secret: string): void {
    // A blank "secret" would be found between every two characters of every message.
    if (secret.trim() === '') return;
    this.#secrets.add(secret);
    // Bounded: a long-running server rotates many times. The oldest go first, the configured ones stay.
    const keep = new Set(this.#kept());
    for (const old of this.#secrets) {
      if (this.#secrets.size <= MAX_SECRETS) break;
      if (!keep.has(old)) this.#secrets.delete(old);
    }
  }

  /** Session JWTs ride in the envelope's `client` object; remember them so that none can slip into a message. */
  rememberSessionJwts(client: unknown): void {
    const sessions = isRecord(client) && Array.isArray(client.sessions) ? client.sessions : [];
    for (const session of sessions) {
      const jwt = isRecord(session) && isRecord(session.last_active_token) ? session.last_active_token.jwt : undefined;
      if (typeof jwt === 'string' && jwt.length > 0) this.add(jwt);
    }
  }

  /** Replaces every secret known with `[redacted]`, and anything shaped like a JWT too. */
  redact(text: string): string {
    let out = text;
    // At most MAX_SECRETS passes, each a linear string search.
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.replaceAll(secret, '[redacted]');
    return redactJwts(out);
  }
}
