/** The sandbox's OAuth authorization server state: registered clients, codes, access and refresh tokens. */
import { randomBytes } from 'node:crypto';
import type { SandboxUser } from '../users.js';

/** Clerk's scopes (Frontend API spec, `/oauth/authorize`); `user:org:read` because the instance has Organizations. */
export const SCOPES = ['email', 'profile', 'openid', 'offline_access', 'public_metadata', 'private_metadata', 'user:org:read'] as const;
/** What Clerk grants when an authorization request names no scope. */
export const DEFAULT_SCOPES = ['profile', 'email'] as const;
/** Clerk's lifetimes (Frontend API spec, `/oauth/token`): access token 1 day, authorization code 10 minutes. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 86_400;
export const DEFAULT_CODE_TTL_SECONDS = 600;

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

export interface OAuthClient {
  readonly id: string;
  /** Null for public clients (`token_endpoint_auth_method: none`). */
  readonly secret: string | null;
  readonly authMethod: TokenEndpointAuthMethod;
  readonly name: string;
  readonly clientUri: string | null;
  readonly logoUri: string | null;
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly grantTypes: readonly string[];
  /** Seconds since the epoch, as RFC 7591 gives `client_id_issued_at`. */
  readonly issuedAt: number;
}

/** What the user granted the client: carried from the code to every token issued for it. */
export interface Grant {
  readonly user: SandboxUser;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** RFC 8707 `resource` values of the authorization request, in order; empty when it named none. */
  readonly resources: readonly string[];
}

export interface AccessToken {
  /** `oat_` and 32 hex digits: the token's id, which the Backend API shows (not the token itself). */
  readonly id: string;
  readonly grant: Grant;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly expiresAt: number;
  revoked: boolean;
  revocationReason: string | null;
  updatedAt: number;
}

export interface RefreshToken {
  readonly grant: Grant;
  /** Set once it was used (rotation) or revoked: from then on it is refused. */
  spent: boolean;
  /** The access tokens issued alongside it, revoked with it (RFC 7009 §2.1). */
  readonly accessTokens: AccessToken[];
}

export interface AuthorizationCode {
  readonly grant: Grant;
  /** The `redirect_uri` the authorization request sent, or null when it relied on the one registered. */
  readonly redirectUri: string | null;
  readonly codeChallenge: string;
  readonly expiresAt: number;
  used: boolean;
  /** What the code was exchanged for: revoked if someone replays the code (RFC 6749 §4.1.2). */
  readonly issued: { access: AccessToken[]; refresh: RefreshToken[] };
}

export interface OAuthOptions {
  readonly accessTokenTtlMs: number;
  readonly codeTtlMs: number;
}

export interface OAuthState {
  readonly options: OAuthOptions;
  readonly clients: Map<string, OAuthClient>;
  readonly codes: Map<string, AuthorizationCode>;
  /** By token value. */
  readonly accessTokens: Map<string, AccessToken>;
  /** By token value. */
  readonly refreshTokens: Map<string, RefreshToken>;
  /** Users created by their first `login_hint` (`admin+…@sandbox.test`), by id. */
  readonly users: Map<string, SandboxUser>;
}

export function createOAuthState(options: OAuthOptions): OAuthState {
  return { options, clients: new Map(), codes: new Map(), accessTokens: new Map(), refreshTokens: new Map(), users: new Map() };
}

/** Unguessable token material, URL-safe. */
export const secretValue = (prefix: string, bytes = 32): string => `${prefix}${randomBytes(bytes).toString('base64url')}`;

export function issueAccessToken(oauth: OAuthState, grant: Grant): { value: string; token: AccessToken } {
  const now = Date.now();
  const token: AccessToken = {
    id: `oat_${randomBytes(16).toString('hex')}`,
    grant,
    createdAt: now,
    expiresAt: now + oauth.options.accessTokenTtlMs,
    revoked: false,
    revocationReason: null,
    updatedAt: now,
  };
  // The value is not the id: the id is shown by the Backend API, the value is a bearer credential.
  const value = secretValue('oat_');
  oauth.accessTokens.set(value, token);
  return { value, token };
}

export function revokeAccessToken(token: AccessToken, reason: string): void {
  if (token.revoked) return;
  token.revoked = true;
  token.revocationReason = reason;
  token.updatedAt = Date.now();
}
