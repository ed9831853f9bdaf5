/** The authorization server's discovery documents, with the fields of Clerk's spec (RFC 8414, OpenID Connect Discovery). */
import { SCOPES } from './state.js';

const CLAIMS = ['sub', 'iss', 'aud', 'exp', 'iat', 'email', 'email_verified', 'family_name', 'given_name', 'name', 'picture', 'preferred_username'];

function common(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/token/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    scopes_supported: [...SCOPES],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: CLAIMS,
    // Only S256: the sandbox requires PKCE with S256 of every client (stricter than Clerk, which lets confidential clients skip PKCE).
    code_challenge_methods_supported: ['S256'],
  };
}

/** `/.well-known/oauth-authorization-server` (RFC 8414). */
export const authorizationServerMetadata = (issuer: string): Record<string, unknown> => ({
  ...common(issuer),
  registration_endpoint: `${issuer}/oauth/register`,
  service_documentation: 'https://clerk.com/docs/oauth/overview',
  ui_locales_supported: ['en'],
  client_id_metadata_document_supported: false,
});

/** `/.well-known/openid-configuration`. */
export const openIdConfiguration = (issuer: string): Record<string, unknown> => ({
  ...common(issuer),
  introspection_endpoint: `${issuer}/oauth/token_info`,
  userinfo_endpoint: `${issuer}/oauth/userinfo`,
  // Clerk also offers form_post; the sandbox answers in the query only.
  response_modes_supported: ['query'],
  backchannel_logout_supported: false,
  frontchannel_logout_supported: false,
});
