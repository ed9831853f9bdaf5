/** `POST /oauth/token_info` (introspection, Clerk's `OAuth.TokenInfo`) and `GET|POST /oauth/userinfo` (`OAuth.UserInfo`). */
import type { IncomingHttpHeaders } from 'node:http';
import { fail } from '../errors.js';
import { publicUserData } from '../objects.js';
import type { Reply } from '../reply.js';
import { membershipsOf, type State } from '../state.js';
import { NO_STORE, invalidRequest } from './errors.js';
import type { AccessToken, OAuthState } from './state.js';

const active = (token: AccessToken | undefined): token is AccessToken => token !== undefined && !token.revoked && Date.now() < token.expiresAt;

/** The organization an OAuth token speaks for: with `user:org:read`, the user's most recent membership. */
function organizationOf(state: State, token: AccessToken) {
  if (!token.grant.scopes.includes('user:org:read')) return undefined;
  return membershipsOf(state, token.grant.user)[0]?.org;
}

export function tokenInfo(state: State, oauth: OAuthState, form: URLSearchParams): Reply {
  const value = form.get('token');
  if (value === null || value === '') throw invalidRequest('token is missing');
  const token = oauth.accessTokens.get(value);
  if (!active(token)) return { status: 200, headers: NO_STORE, json: { active: false } };
  const org = organizationOf(state, token);
  return {
    status: 200,
    headers: NO_STORE,
    json: {
      active: true,
      client_id: token.grant.clientId,
      iat: Math.floor(token.createdAt / 1000),
      scope: token.grant.scopes.join(' '),
      sub: token.grant.user.id,
      ...(org === undefined ? {} : { org_id: org.data.id }),
    },
  };
}

/** The claims the token's scopes allow; a missing, unknown, revoked or expired token gets Clerk's 401. */
export function userInfo(state: State, oauth: OAuthState, headers: IncomingHttpHeaders): unknown {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  const token = match === null ? undefined : oauth.accessTokens.get(match[1] ?? '');
  if (!active(token)) throw fail('authentication_invalid', 'The OAuth access token is missing, invalid, revoked or expired.');
  const { user, scopes } = token.grant;
  const has = (scope: string): boolean => scopes.includes(scope);
  const org = organizationOf(state, token);
  return {
    // Unconfirmed: the `object` value of Clerk's answer (its spec gives the field, not the value).
    object: 'oauth_user_info',
    instance_id: 'ins_sandbox',
    user_id: user.id,
    sub: user.id,
    ...(has('email') ? { email: user.email, email_verified: true } : {}),
    ...(has('profile')
      ? { given_name: user.firstName, family_name: user.lastName, name: `${user.firstName} ${user.lastName}`, preferred_username: user.username, username: user.username, picture: publicUserData(user)['image_url'] }
      : {}),
    ...(has('public_metadata') ? { public_metadata: {} } : {}),
    ...(has('private_metadata') ? { private_metadata: {} } : {}),
    ...(org === undefined ? {} : { org_id: org.data.id, org_name: org.data.name, org_slug: org.data.slug }),
  };
}
