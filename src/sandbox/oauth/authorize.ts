/**
 * `GET|POST /oauth/authorize`: the authorization code flow with PKCE S256. The sandbox has no sign-in
 * page and no consent screen: `login_hint` names the user, who is signed in and consents at once, and
 * the answer is a 302 straight back to the redirect URI with the code, so tests need no browser.
 */
import type { Reply } from '../reply.js';
import type { State } from '../state.js';
import { OAuthError, invalidRequest } from './errors.js';
import { DEFAULT_SCOPES, SCOPES, secretValue, type OAuthClient, type OAuthState } from './state.js';
import { userForLoginHint } from './users.js';

/** RFC 7636 §4.2: the S256 challenge is the base64url SHA-256 of the verifier, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const SINGLE = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'login_hint', 'response_mode', 'prompt', 'nonce'];

/** An error that goes back to the client through the (valid) redirect URI, RFC 6749 §4.1.2.1. */
class RedirectedError extends OAuthError {}
const redirected = (error: string, description: string): RedirectedError => new RedirectedError(302, error, description);

/** The client and the redirect URI; when either is wrong the user agent must not be redirected (RFC 6749 §4.1.2.1). */
function clientAndRedirect(oauth: OAuthState, params: URLSearchParams): { client: OAuthClient; redirectUri: string; redirectUriSent: boolean } {
  const repeated = SINGLE.find((name) => params.getAll(name).length > 1);
  if (repeated !== undefined) throw invalidRequest(`${repeated} must not be repeated`);
  const clientId = params.get('client_id');
  if (clientId === null || clientId === '') throw invalidRequest('client_id is missing');
  const client = oauth.clients.get(clientId);
  if (client === undefined) throw new OAuthError(401, 'invalid_client', `no OAuth application has client_id '${clientId}'`);
  const sent = params.get('redirect_uri');
  if (sent === null) {
    const [only, ...others] = client.redirectUris;
    if (only === undefined || others.length > 0) throw invalidRequest('redirect_uri is missing, and the client registered more than one');
    return { client, redirectUri: only, redirectUriSent: false };
  }
  if (!client.redirectUris.includes(sent)) throw invalidRequest('redirect_uri is not one of the redirect URIs registered for this client (they must match exactly)');
  return { client, redirectUri: sent, redirectUriSent: true };
}

function requestedScopes(client: OAuthClient, scope: string | null): string[] {
  const scopes = scope === null ? [...DEFAULT_SCOPES] : scope.split(' ').filter((s) => s !== '');
  const unknown = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown !== undefined) throw redirected('invalid_scope', `unknown scope '${unknown}'; the scopes are: ${SCOPES.join(' ')}`);
  const unregistered = scopes.find((s) => !client.scopes.includes(s));
  if (unregistered !== undefined) throw redirected('invalid_scope', `scope '${unregistered}' was not registered for this client`);
  return [...new Set(scopes)];
}

/** RFC 8707: each `resource` is an absolute URI without a fragment. */
function resources(params: URLSearchParams): string[] {
  const values = params.getAll('resource');
  for (const value of values) {
    if (!URL.canParse(value) || value.includes('#')) throw redirected('invalid_target', `resource '${value}' must be an absolute URI without a fragment`);
  }
  return values;
}

function checkPkce(params: URLSearchParams): string {
  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (challenge === null || challenge === '') throw redirected('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256');
  // RFC 7636 makes a missing method mean `plain`, which the sandbox refuses as OAuth 2.1 does.
  if (method !== 'S256') throw redirected('invalid_request', `code_challenge_method must be S256${method === null ? ' (a missing method means plain)' : `, not '${method}'`}`);
  if (!S256_CHALLENGE.test(challenge)) throw redirected('invalid_request', 'code_challenge must be the base64url SHA-256 of the code verifier (43 characters)');
  return challenge;
}

/** Codes kept before used and expired ones are dropped: a long-running sandbox must not grow with every sign-in. */
const CODES_KEPT = 1000;

function forgetSpentCodes(oauth: OAuthState): void {
  if (oauth.codes.size < CODES_KEPT) return;
  const now = Date.now();
  for (const [value, code] of oauth.codes) if (code.used || now >= code.expiresAt) oauth.codes.delete(value);
}

function location(redirectUri: string, values: Record<string, string | null>): Reply {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(values)) if (value !== null) url.searchParams.set(name, value);
  return { status: 302, headers: { Location: url.href, 'Cache-Control': 'no-store' } };
}

export function authorize(state: State, oauth: OAuthState, params: URLSearchParams): Reply {
  const { client, redirectUri, redirectUriSent } = clientAndRedirect(oauth, params);
  const clientState = params.get('state');
  try {
    const responseType = params.get('response_type');
    if (responseType === null || responseType === '') throw redirected('invalid_request', 'response_type is missing');
    if (responseType !== 'code') throw redirected('unsupported_response_type', `response_type must be code, not '${responseType}'`);
    if (!client.grantTypes.includes('authorization_code')) throw redirected('unauthorized_client', 'this client was not registered for the authorization_code grant');
    if (clientState !== null && clientState.length < 8) throw redirected('invalid_request', 'state must be at least 8 characters');
    const mode = params.get('response_mode');
    if (mode !== null && mode !== 'query') throw redirected('invalid_request', `the sandbox answers with response_mode=query only, not '${mode}'`);
    const codeChallenge = checkPkce(params);
    const scopes = requestedScopes(client, params.get('scope'));
    const resource = resources(params);
    const hint = params.get('login_hint');
    if (hint === null || hint === '') {
      throw redirected('invalid_request', 'the sandbox has no sign-in page: name the user with login_hint, e.g. admin@sandbox.test or member@sandbox.test');
    }
    const user = userForLoginHint(state, oauth, hint);
    if (user === undefined) {
      throw redirected('access_denied', 'login_hint names no sandbox user: use admin@sandbox.test, member@sandbox.test, mfa@sandbox.test, admin+<tag>@sandbox.test or member+<tag>@sandbox.test');
    }
    forgetSpentCodes(oauth);
    const code = secretValue('clk_code_');
    oauth.codes.set(code, {
      grant: { user, clientId: client.id, scopes, resources: resource },
      redirectUri: redirectUriSent ? redirectUri : null,
      codeChallenge,
      expiresAt: Date.now() + oauth.options.codeTtlMs,
      used: false,
      issued: { access: [], refresh: [] },
    });
    return location(redirectUri, { code, state: clientState });
  } catch (error) {
    if (!(error instanceof RedirectedError)) throw error;
    return location(redirectUri, { error: error.error, error_description: error.description, state: clientState });
  }
}
