import { timingSafeEqual, createHash } from 'node:crypto';
import { OAuthError, OAuthErrorCode, requireBearerAuth, type AuthInfo } from '@modelcontextprotocol/server';
import type { Authenticate } from './options.js';

/** Who a request that carried the secret acts as: the one person whose sign-in the server uses. */
export const LOCAL_CLIENT_ID = 'local';

// A shared secret does not expire, and the SDK's check refuses a token without an expiry:
// the farthest date a JavaScript Date holds, in seconds.
const NEVER = 8_640_000_000_000;

// Both sides hashed first: equal lengths for timingSafeEqual, and the secret's length not leaked by timing.
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Requires `Authorization: Bearer <secret>` (compared in constant time), through the SDK's bearer
 * gate: a missing or wrong one gets its 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
 * The AuthInfo it resolves to does not carry the secret.
 */
export function bearerSecret(secret: string): Authenticate {
  const expected = digest(secret);
  const verifyAccessToken = async (token: string): Promise<AuthInfo> => {
    if (!timingSafeEqual(digest(token), expected)) throw new OAuthError(OAuthErrorCode.InvalidToken, 'Invalid bearer secret');
    return { token: '(the bearer secret)', clientId: LOCAL_CLIENT_ID, scopes: [], expiresAt: NEVER };
  };
  return requireBearerAuth({ verifier: { verifyAccessToken } });
}
