import { hkdfSync } from 'node:crypto';
import { backendSettingsFromEnv, type BackendSettings } from '../clerk/backend/settings.js';
import { DEFAULT_TOKEN_CACHE_MS } from '../clerk/backend/token-verifier.js';
import { parseApiUrl, settingsFromEnv, wholeNumber } from '../clerk/settings.js';
import type { Env } from '../env.js';
import { ConfigError } from '../errors.js';
import { isLoopback } from '../loopback.js';
import { MCP_PATH } from '../mcp/http/server.js';

/** What hosted mode needs besides where to listen: Clerk's two APIs and how tokens are taken. */
export interface HostedConfig {
  /** The authorization server's issuer: the instance's Frontend API URL. */
  readonly issuer: string;
  readonly backend: BackendSettings;
  /** CLERK_MCP_ALLOWED_CLIENT_IDS; undefined accepts every OAuth application of the instance. */
  readonly allowedClientIds: readonly string[] | undefined;
  readonly tokenCacheMs: number;
}

/**
 * Reads hosted mode's settings from the environment (with --sandbox, the sandbox's URLs and key
 * are in it already): the Frontend API (CLERK_PUBLISHABLE_KEY or CLERK_FRONTEND_API_URL, the
 * authorization server), the Backend API (CLERK_SECRET_KEY, CLERK_BACKEND_API_URL), and the token
 * settings. Throws a ConfigError naming what to set; never quotes the secret key.
 */
export function hostedConfigFromEnv(env: Env): HostedConfig {
  let frontend;
  try {
    frontend = settingsFromEnv(env);
  } catch (error) {
    // The Frontend API is the authorization server here: say so, not only "no Clerk instance".
    if (!env.CLERK_PUBLISHABLE_KEY?.trim() && !env.CLERK_FRONTEND_API_URL?.trim()) {
      throw new ConfigError("Hosted mode needs the instance's publishable key: set CLERK_PUBLISHABLE_KEY (pk_live_… or pk_test_…, Clerk Dashboard → API keys). Its Frontend API is the OAuth authorization server clients are sent to; CLERK_FRONTEND_API_URL overrides it.", { cause: error });
    }
    throw error;
  }
  const ids = env.CLERK_MCP_ALLOWED_CLIENT_IDS?.split(',').map((id) => id.trim()).filter(Boolean);
  return {
    issuer: frontend.baseUrl,
    backend: backendSettingsFromEnv(env, frontend),
    allowedClientIds: ids?.length ? ids : undefined,
    tokenCacheMs: wholeNumber(env, 'CLERK_MCP_TOKEN_CACHE_MS', DEFAULT_TOKEN_CACHE_MS, 0, 60_000, 'milliseconds'),
  };
}

/**
 * The MCP endpoint's public URL, which OAuth tokens are issued for: `--public-url` (or
 * CLERK_MCP_PUBLIC_URL) with `/mcp` added, or, on a loopback bind without one, the bound address's.
 * Fails closed when the server listens beyond loopback without it: clients there reach it by a
 * name this process cannot guess (a load balancer's).
 */
export function resourceUrl(publicUrl: string | undefined, host: string, boundOrigin: string): URL {
  if (publicUrl === undefined) {
    if (!isLoopback(host)) {
      throw new ConfigError(`--hosted on ${host}, which is not a loopback address, needs the URL clients reach this server by (a load balancer's, say): add --public-url https://mcp.example.com, or set CLERK_MCP_PUBLIC_URL. OAuth tokens are issued for that URL + ${MCP_PATH}.`);
    }
    return new URL(`${boundOrigin}${MCP_PATH}`);
  }
  const base = parseApiUrl(publicUrl, '--public-url (CLERK_MCP_PUBLIC_URL)', 'https://mcp.example.com');
  return new URL(base.endsWith(MCP_PATH) ? base : `${base}${MCP_PATH}`);
}

/**
 * The HMAC key of confirmation states, derived from the secret key (HKDF-SHA256 with a fixed
 * label): every replica of one deployment has the same, so a question asked by one is answered
 * at another, and nothing else need be shared or configured. It reveals nothing of the secret key.
 */
export function confirmationKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'clerk-invitations-mcp', 'confirmation states v1', 32));
}
