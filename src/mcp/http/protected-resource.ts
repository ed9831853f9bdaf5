import {
  bearerAuthChallengeResponse,
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  type OAuthProtectedResourceMetadata,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import type { Authenticate, ExtraRoutes } from './options.js';

/** What an OAuth 2.1 protected resource (RFC 9728) says about itself, and how it checks tokens. */
export interface ProtectedResourceOptions {
  /** The MCP endpoint's public URL (e.g. https://mcp.example.com/mcp): the `resource` clients get tokens for. */
  readonly resource: URL;
  /** The authorization server's issuer (a Clerk instance's Frontend API URL). */
  readonly authorizationServer: string;
  /** Scopes a client should ask for, advertised as `scopes_supported`. */
  readonly scopesSupported: readonly string[];
  readonly verifier: OAuthTokenVerifier;
  readonly resourceName?: string;
}

/** The gate for `/mcp` and the metadata routes of a protected resource. */
export interface ProtectedResource {
  readonly authenticate: Authenticate;
  readonly routes: ExtraRoutes;
  /** Where the metadata document is, as the 401 challenge names it (RFC 9728's path-aware URL). */
  readonly metadataUrl: string;
  readonly metadata: OAuthProtectedResourceMetadata;
}

const ROOT_METADATA_PATH = '/.well-known/oauth-protected-resource';
const CORS = { 'access-control-allow-origin': '*' } as const;

/**
 * An OAuth 2.1 protected resource in front of `/mcp`, with the SDK's parts where it has them
 * (`verifyBearerToken`, its challenge responses, `buildOAuthProtectedResourceMetadata`, which also
 * refuses an issuer that is not https outside localhost):
 * - `/.well-known/oauth-protected-resource/<path>` (RFC 9728's location for the resource's path, the
 *   one the challenge names) and `/.well-known/oauth-protected-resource` (for clients that look at
 *   the root) serve the metadata: `resource`, `authorization_servers`, `scopes_supported`,
 *   `bearer_methods_supported: ["header"]`. Hand-written rather than the SDK's
 *   `oauthMetadataResponse`, which serves only the first, without `bearer_methods_supported`, and
 *   needs the authorization server's whole metadata document.
 * - A request without a Bearer token gets 401 `WWW-Authenticate: Bearer resource_metadata="…"`,
 *   without an error code (RFC 6750 §3.1: the client did not try); an invalid, expired or revoked
 *   one gets the SDK's 401 with `error="invalid_token"`; a verifier that cannot reach its
 *   authorization server gets 503 with Retry-After, so that a client tries again rather than
 *   sending its user through a new authorization.
 */
export function protectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const metadataUrl = getOAuthProtectedResourceMetadataUrl(options.resource);
  const metadata: OAuthProtectedResourceMetadata = {
    ...buildOAuthProtectedResourceMetadata({
      // Only the issuer is read: the rest of the authorization server's document is Clerk's to serve.
      oauthMetadata: { issuer: options.authorizationServer, authorization_endpoint: '', token_endpoint: '', response_types_supported: ['code'] },
      resourceServerUrl: options.resource,
      scopesSupported: [...options.scopesSupported],
      ...(options.resourceName ? { resourceName: options.resourceName } : {}),
    }),
    bearer_methods_supported: ['header'],
  };
  const paths = new Set([new URL(metadataUrl).pathname, ROOT_METADATA_PATH]);
  const challenge = { resourceMetadataUrl: metadataUrl };

  const authenticate: Authenticate = async (request) => {
    // As the SDK's requireBearerAuth: the first of repeated Authorization headers.
    const [header = ''] = (request.headers.get('authorization') ?? '').split(',');
    if (!/^bearer\s/i.test(header.trim())) {
      return Response.json(
        { error_description: 'This server needs an OAuth access token: its authorization server is named at resource_metadata in WWW-Authenticate.' },
        { status: 401, headers: { 'www-authenticate': `Bearer resource_metadata="${metadataUrl}"` } },
      );
    }
    try {
      return await verifyBearerToken(header.trim(), { verifier: options.verifier, ...challenge });
    } catch (error) {
      if (error instanceof OAuthError && error.code === OAuthErrorCode.TemporarilyUnavailable) {
        return Response.json(error.toResponseObject(), { status: 503, headers: { 'retry-after': '1' } });
      }
      return bearerAuthChallengeResponse(error, challenge);
    }
  };

  const routes: ExtraRoutes = (request) => {
    const path = new URL(request.url).pathname.replace(/(.)\/$/, '$1');
    if (!paths.has(path)) return undefined;
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...CORS, 'access-control-allow-methods': 'GET, HEAD, OPTIONS' } });
    if (request.method !== 'GET' && request.method !== 'HEAD') return Response.json({ error: 'method_not_allowed' }, { status: 405, headers: { ...CORS, allow: 'GET, HEAD, OPTIONS' } });
    const response = Response.json(metadata, { headers: { ...CORS, 'cache-control': 'public, max-age=3600' } });
    return request.method === 'HEAD' ? new Response(null, { headers: response.headers }) : response;
  };

  return { authenticate, routes, metadataUrl, metadata };
}
