/** `POST /oauth/register`: RFC 7591 dynamic client registration, with the fields of Clerk's spec. */
import { randomBase62 } from '../state.js';
import { OAuthError } from './errors.js';
import { SCOPES, secretValue, type OAuthClient, type OAuthState, type TokenEndpointAuthMethod } from './state.js';

const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];
const GRANT_TYPES = ['authorization_code', 'refresh_token'];
const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

const invalidMetadata = (description: string): OAuthError => new OAuthError(400, 'invalid_client_metadata', description);

/**
 * Why a redirect URI cannot be registered, or undefined. As OAuth 2.1 and RFC 8252 allow: https,
 * http on a loopback host only, or a private-use scheme (native apps); never a fragment.
 */
export function redirectUriProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'a redirect URI must be a non-empty string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value}' is not an absolute URI`;
  }
  if (value.includes('#')) return `'${value}' has a fragment, which a redirect URI must not have`;
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.includes(url.hostname)) return `'${value}' uses http on a host that is not loopback: use https`;
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) return `'${value}' uses a scheme that cannot be a redirect URI`;
  return undefined;
}

function optionalString(body: Record<string, unknown>, name: string, max: number): string | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) throw invalidMetadata(`${name} must be a string of at most ${max} characters`);
  return value;
}

function optionalList(body: Record<string, unknown>, name: string, allowed: readonly string[]): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v): v is string => typeof v === 'string' && allowed.includes(v))) {
    throw invalidMetadata(`${name} must be a non-empty array of: ${allowed.join(', ')}`);
  }
  return value;
}

/** Registers a client; unknown metadata is ignored, as RFC 7591 §2 requires. */
export function registerClient(oauth: OAuthState, body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidMetadata('the body must be a JSON object of client metadata');
  const metadata = body as Record<string, unknown>;
  const redirectUris = metadata['redirect_uris'];
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) throw new OAuthError(400, 'invalid_redirect_uri', 'redirect_uris must list at least one redirect URI');
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) throw new OAuthError(400, 'invalid_redirect_uri', problem);
  }
  const method = metadata['token_endpoint_auth_method'] ?? 'client_secret_basic';
  if (typeof method !== 'string' || !(AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalidMetadata(`token_endpoint_auth_method must be one of: ${AUTH_METHODS.join(', ')}`);
  }
  const scope = optionalString(metadata, 'scope', 1024);
  const scopes = scope === null ? [...SCOPES] : scope.split(' ').filter((s) => s !== '');
  const unknownScope = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknownScope !== undefined) throw invalidMetadata(`unknown scope '${unknownScope}'; the scopes are: ${SCOPES.join(' ')}`);
  const grantTypes = optionalList(metadata, 'grant_types', GRANT_TYPES) ?? GRANT_TYPES;
  optionalList(metadata, 'response_types', ['code']);
  const id = `client_${randomBase62(27)}`;
  const client: OAuthClient = {
    id,
    secret: method === 'none' ? null : secretValue('', 24),
    authMethod: method as TokenEndpointAuthMethod,
    name: optionalString(metadata, 'client_name', 256) ?? id,
    clientUri: optionalString(metadata, 'client_uri', 1024),
    logoUri: optionalString(metadata, 'logo_uri', 1024),
    redirectUris: redirectUris as string[],
    scopes,
    grantTypes,
    issuedAt: Math.floor(Date.now() / 1000),
  };
  oauth.clients.set(id, client);
  return {
    client_id: client.id,
    ...(client.secret === null ? {} : { client_secret: client.secret }),
    client_id_issued_at: client.issuedAt,
    client_secret_expires_at: 0,
    client_name: client.name,
    ...(client.clientUri === null ? {} : { client_uri: client.clientUri }),
    ...(client.logoUri === null ? {} : { logo_uri: client.logoUri }),
    redirect_uris: [...client.redirectUris],
    grant_types: [...client.grantTypes],
    response_types: ['code'],
    scope: client.scopes.join(' '),
    token_endpoint_auth_method: client.authMethod,
  };
}
