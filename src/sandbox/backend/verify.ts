/** `POST /oauth_applications/access_tokens/verify`: what an opaque OAuth access token stands for. */
import { fail } from '../errors.js';
import { bodyObject, type BackendContext } from './context.js';
import { Fields } from './fields.js';

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * The `clerk_idp_oauth_access_token` object, revoked and expired tokens included (their flags say
 * so: the caller must refuse them). `{ active: false }` is Clerk's answer for expired JWT access
 * tokens only, which the sandbox does not issue. An unknown token is a 404.
 */
export function verifyAccessToken(ctx: BackendContext): unknown {
  const fields = new Fields(bodyObject(ctx));
  fields.rejectUnknown(['access_token', 'secret']);
  const value = fields.string('access_token', false) ?? fields.string('secret', false); // `secret`: the deprecated name.
  fields.check();
  if (value === undefined) throw fail('bad_request', 'access_token must be included.', { param_name: 'access_token' });
  const token = ctx.oauth.accessTokens.get(value);
  if (token === undefined) throw fail('resource_not_found', 'No OAuth access token matches the one given.');
  return {
    object: 'clerk_idp_oauth_access_token',
    id: token.id,
    client_id: token.grant.clientId,
    subject: token.grant.user.id,
    scopes: [...token.grant.scopes],
    revoked: token.revoked,
    revocation_reason: token.revocationReason,
    expired: Date.now() >= token.expiresAt,
    expiration: seconds(token.expiresAt),
    created_at: seconds(token.createdAt),
    updated_at: seconds(token.updatedAt),
  };
}
