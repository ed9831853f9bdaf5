/** `POST /oauth/token` (authorization_code with PKCE, refresh_token with rotation) and `POST /oauth/token/revoke` (RFC 7009). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../reply.js';
import { authenticateClient } from './client-auth.js';
import { NO_STORE, OAuthError, invalidGrant, invalidRequest } from './errors.js';
import { issueAccessToken, revokeAccessToken, secretValue, type AccessToken, type Grant, type OAuthClient, type OAuthState, type RefreshToken } from './state.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function required(form: URLSearchParams, name: string): string {
  const values = form.getAll(name);
  if (values.length > 1) throw invalidRequest(`${name} must not be repeated`);
  const value = values[0];
  if (value === undefined || value === '') throw invalidRequest(`${name} is missing`);
  return value;
}

/** RFC 8707 at the token endpoint: a `resource` must be one the grant was authorized for. */
function checkResources(grant: Grant, form: URLSearchParams): void {
  const outside = form.getAll('resource').find((r) => grant.resources.length > 0 && !grant.resources.includes(r));
  if (outside !== undefined) throw new OAuthError(400, 'invalid_target', `resource '${outside}' was not part of the authorization`);
}

/** An access token, and a refresh token for a client registered for the refresh_token grant. */
function tokenReply(oauth: OAuthState, client: OAuthClient, grant: Grant): { reply: Reply; access: AccessToken; refresh: RefreshToken | undefined } {
  const { value, token } = issueAccessToken(oauth, grant);
  const refreshValue = secretValue('clk_refresh_');
  const refresh: RefreshToken | undefined = client.grantTypes.includes('refresh_token') ? { grant, spent: false, accessTokens: [token] } : undefined;
  if (refresh !== undefined) oauth.refreshTokens.set(refreshValue, refresh);
  const json = {
    access_token: value,
    token_type: 'Bearer',
    expires_in: Math.round(oauth.options.accessTokenTtlMs / 1000),
    ...(refresh === undefined ? {} : { refresh_token: refreshValue }),
    scope: grant.scopes.join(' '),
  };
  return { reply: { status: 200, headers: NO_STORE, json }, access: token, refresh };
}

function exchangeCode(oauth: OAuthState, client: OAuthClient, form: URLSearchParams): Reply {
  const code = required(form, 'code');
  const verifier = required(form, 'code_verifier');
  const entry = oauth.codes.get(code);
  if (entry === undefined || entry.grant.clientId !== client.id) throw invalidGrant('the authorization code is invalid');
  if (entry.used) {
    // A replayed code may be a stolen one: what it was exchanged for is revoked (RFC 6749 §4.1.2).
    for (const token of entry.issued.access) revokeAccessToken(token, 'Authorization code reused');
    for (const refresh of entry.issued.refresh) refresh.spent = true;
    throw invalidGrant('the authorization code was already used');
  }
  // Any exchange attempt burns the code, a failed one too: a wrong verifier may be an attacker's.
  entry.used = true;
  if (Date.now() >= entry.expiresAt) throw invalidGrant('the authorization code expired');
  const redirectUri = form.get('redirect_uri');
  if (entry.redirectUri !== null && redirectUri !== entry.redirectUri) throw invalidGrant('redirect_uri does not match the one of the authorization request');
  if (!VERIFIER.test(verifier)) throw invalidGrant('code_verifier must be 43 to 128 unreserved characters');
  if (!sameText(createHash('sha256').update(verifier).digest('base64url'), entry.codeChallenge)) throw invalidGrant('code_verifier does not match the code_challenge');
  checkResources(entry.grant, form);
  const { reply, access, refresh } = tokenReply(oauth, client, entry.grant);
  entry.issued.access.push(access);
  if (refresh !== undefined) entry.issued.refresh.push(refresh);
  return reply;
}

function refresh(oauth: OAuthState, client: OAuthClient, form: URLSearchParams): Reply {
  const value = required(form, 'refresh_token');
  const entry = oauth.refreshTokens.get(value);
  if (entry === undefined || entry.grant.clientId !== client.id) throw invalidGrant('the refresh token is invalid');
  if (entry.spent) throw invalidGrant('the refresh token was already used or revoked (refresh tokens rotate: use the newest one)');
  const scope = form.get('scope');
  const scopes = scope === null ? entry.grant.scopes : scope.split(' ').filter((s) => s !== '');
  const wider = scopes.find((s) => !entry.grant.scopes.includes(s));
  if (wider !== undefined) throw new OAuthError(400, 'invalid_scope', `scope '${wider}' exceeds the scope originally granted`);
  checkResources(entry.grant, form);
  entry.spent = true;
  return tokenReply(oauth, client, { ...entry.grant, scopes }).reply;
}

export function token(oauth: OAuthState, headers: IncomingHttpHeaders, form: URLSearchParams): Reply {
  const grantType = required(form, 'grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new OAuthError(400, 'unsupported_grant_type', `grant_type must be authorization_code or refresh_token, not '${grantType}'`);
  }
  const client = authenticateClient(oauth, headers, form);
  if (!client.grantTypes.includes(grantType)) throw new OAuthError(400, 'unauthorized_client', `this client was not registered for the ${grantType} grant`);
  return grantType === 'authorization_code' ? exchangeCode(oauth, client, form) : refresh(oauth, client, form);
}

/**
 * RFC 7009: the client revokes one of its own tokens; an unknown token is answered 200 as well.
 * Revoking a refresh token revokes the access tokens issued with it (§2.1).
 */
export function revoke(oauth: OAuthState, headers: IncomingHttpHeaders, form: URLSearchParams): Reply {
  const value = required(form, 'token');
  const hint = form.get('token_type_hint');
  if (hint !== null && hint !== 'access_token' && hint !== 'refresh_token') {
    throw new OAuthError(400, 'unsupported_token_type', `token_type_hint must be access_token or refresh_token, not '${hint}'`);
  }
  const client = authenticateClient(oauth, headers, form);
  const access = oauth.accessTokens.get(value);
  const refreshToken = oauth.refreshTokens.get(value);
  const owner = access?.grant.clientId ?? refreshToken?.grant.clientId;
  if (owner !== undefined && owner !== client.id) throw invalidRequest('the token was not issued to this client');
  if (access !== undefined) revokeAccessToken(access, 'Revoked by client');
  if (refreshToken !== undefined) {
    refreshToken.spent = true;
    for (const token of refreshToken.accessTokens) revokeAccessToken(token, 'Revoked by client');
  }
  return { status: 200, headers: NO_STORE };
}

// In constant time for equal lengths (a challenge is always 43 characters): how long a comparison
// takes must not tell how much of a guessed verifier's hash was right.
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
