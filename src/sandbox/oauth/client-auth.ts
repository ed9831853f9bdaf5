/** Client authentication at the token and revocation endpoints (RFC 6749 §2.3): Basic, form secret, or a public client's client_id. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { OAuthError, invalidRequest } from './errors.js';
import type { OAuthClient, OAuthState } from './state.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

function basicCredentials(headers: IncomingHttpHeaders): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new OAuthError(401, 'invalid_client', 'the Basic credentials are not client_id:client_secret', { 'WWW-Authenticate': 'Basic realm="oauth"' });
  try {
    // RFC 6749 §2.3.1: both are form-urlencoded before base64.
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError(401, 'invalid_client', 'the Basic credentials are not form-urlencoded', { 'WWW-Authenticate': 'Basic realm="oauth"' });
  }
}

/** The client the request authenticates as; public clients name themselves with `client_id`. */
export function authenticateClient(oauth: OAuthState, headers: IncomingHttpHeaders, form: URLSearchParams): OAuthClient {
  const basic = basicCredentials(headers);
  const formId = form.get('client_id');
  if (basic !== undefined) {
    if (formId !== null && formId !== basic.id) throw invalidRequest('client_id differs from the client of the Basic credentials');
    const client = oauth.clients.get(basic.id);
    if (client === undefined || client.secret === null || !sameSecret(basic.secret, client.secret)) {
      throw new OAuthError(401, 'invalid_client', 'client authentication failed', { 'WWW-Authenticate': 'Basic realm="oauth"' });
    }
    return client;
  }
  if (formId === null || formId === '') throw new OAuthError(401, 'invalid_client', 'client_id is missing (public clients send it in the body)');
  const client = oauth.clients.get(formId);
  if (client === undefined) throw new OAuthError(401, 'invalid_client', `no OAuth application has client_id '${formId}'`);
  if (client.secret !== null) {
    const secret = form.get('client_secret');
    if (secret === null || !sameSecret(secret, client.secret)) throw new OAuthError(401, 'invalid_client', 'client authentication failed');
  }
  return client;
}
