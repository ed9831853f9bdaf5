/** OAuth 2.0 error answers (RFC 6749 §5.2, RFC 7591 §3.2.2): `{ error, error_description }`, never cached. */
import type { Reply } from '../reply.js';

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${error}: ${description}`);
  }
}

export const invalidRequest = (description: string): OAuthError => new OAuthError(400, 'invalid_request', description);
export const invalidGrant = (description: string): OAuthError => new OAuthError(400, 'invalid_grant', description);

export function oauthErrorReply(error: OAuthError): Reply {
  return { status: error.status, headers: { ...NO_STORE, ...error.headers }, json: { error: error.error, error_description: error.description } };
}
