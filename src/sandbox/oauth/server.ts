/** The OAuth 2.0 authorization server on the sandbox's Frontend API host: Clerk's paths, RFC-shaped answers. */
import type { IncomingMessage } from 'node:http';
import { BODY_LIMIT_MESSAGE, mediaType, readCappedBody, splitTarget, type Reply } from '../reply.js';
import type { State } from '../state.js';
import { ClerkFailure } from '../errors.js';
import { errorBody } from '../pipeline.js';
import { authorize } from './authorize.js';
import { tokenInfo, userInfo } from './introspection.js';
import { NO_STORE, OAuthError, invalidRequest, oauthErrorReply } from './errors.js';
import { authorizationServerMetadata, openIdConfiguration } from './metadata.js';
import { registerClient } from './register.js';
import type { OAuthState } from './state.js';
import { revoke, token } from './token.js';

const PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
  '/oauth/authorize',
  '/oauth/register',
  '/oauth/token',
  '/oauth/token/revoke',
  '/oauth/token_info',
  '/oauth/userinfo',
];

export const isOAuthPath = (path: string): boolean => PATHS.includes(path);

function form(req: IncomingMessage, body: Buffer): URLSearchParams {
  if (body.length > 0 && mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  return new URLSearchParams(body.toString('utf8'));
}

function json(req: IncomingMessage, body: Buffer): unknown {
  if (mediaType(req) !== 'application/json') throw new OAuthError(400, 'invalid_client_metadata', 'the body must be application/json');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new OAuthError(400, 'invalid_client_metadata', 'the body is not valid JSON');
  }
}

const methodNotAllowed = (allowed: string): Reply => ({ status: 405, headers: { Allow: allowed }, json: { error: 'invalid_request', error_description: `use ${allowed}` } });

function route(state: State, oauth: OAuthState, issuer: string, req: IncomingMessage, body: Buffer): Reply {
  const { path, query } = splitTarget(req.url ?? '/');
  const method = req.method ?? '';
  const get = (document: unknown): Reply => (method === 'GET' ? { status: 200, json: document } : methodNotAllowed('GET'));
  switch (path) {
    case '/.well-known/oauth-authorization-server':
      return get(authorizationServerMetadata(issuer));
    case '/.well-known/openid-configuration':
      return get(openIdConfiguration(issuer));
    case '/.well-known/jwks.json':
      // The sandbox signs no tokens (its access tokens are opaque, it issues no ID tokens).
      return get({ keys: [] });
    case '/oauth/authorize':
      if (method === 'GET') return authorize(state, oauth, query);
      if (method === 'POST') return authorize(state, oauth, form(req, body));
      return methodNotAllowed('GET, POST');
    case '/oauth/register':
      return method === 'POST' ? { status: 201, headers: NO_STORE, json: registerClient(oauth, json(req, body)) } : methodNotAllowed('POST');
    case '/oauth/token':
      return method === 'POST' ? token(oauth, req.headers, form(req, body)) : methodNotAllowed('POST');
    case '/oauth/token/revoke':
      return method === 'POST' ? revoke(oauth, req.headers, form(req, body)) : methodNotAllowed('POST');
    case '/oauth/token_info':
      return method === 'POST' ? tokenInfo(state, oauth, form(req, body)) : methodNotAllowed('POST');
    case '/oauth/userinfo':
      return method === 'GET' || method === 'POST' ? { status: 200, headers: NO_STORE, json: userInfo(state, oauth, req.headers) } : methodNotAllowed('GET, POST');
    default:
      return { status: 404, json: { error: 'invalid_request', error_description: 'no such endpoint' } };
  }
}

export async function respondOAuth(state: State, oauth: OAuthState, issuer: string, req: IncomingMessage): Promise<Reply> {
  const body = await readCappedBody(req);
  if (body === undefined) return { status: 413, json: { error: 'invalid_request', error_description: BODY_LIMIT_MESSAGE }, close: true };
  try {
    return route(state, oauth, issuer, req, body);
  } catch (error) {
    if (error instanceof OAuthError) return oauthErrorReply(error);
    // The user info endpoint answers in Clerk's error shape, as its spec says.
    if (error instanceof ClerkFailure) return { status: error.status, headers: { 'WWW-Authenticate': 'Bearer' }, json: errorBody(error) };
    return { status: 500, json: { error: 'server_error', error_description: 'The sandbox failed.' } };
  }
}
