import type { Env } from '../../env.js';
import { ConfigError } from '../../errors.js';
import { parseApiUrl, type ClerkSettings } from '../settings.js';

/** Everything the server needs to talk to one Clerk Backend API, with the instance's secret key. */
export interface BackendSettings {
  /** Backend API origin (plus path, if any) without `/v1` and without a trailing slash. */
  readonly baseUrl: string;
  /** `sk_test_…` / `sk_live_…`: full power over the instance, never shown anywhere. */
  readonly secretKey: string;
  /** Sent as the `Clerk-API-Version` header. */
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes?: number;
  readonly maxConcurrency?: number;
  readonly maxRetryAfterMs?: number;
}

export const DEFAULT_BACKEND_API_URL = 'https://api.clerk.com';
const SECRET_KEY = /^sk_(test|live)_[A-Za-z0-9_-]+$/;

/**
 * The Backend API settings: `CLERK_SECRET_KEY` (required), `CLERK_BACKEND_API_URL` (default
 * https://api.clerk.com), and the version, timeout and limits already read for the Frontend API.
 * Throws a ConfigError naming the variable at fault, never quoting the key.
 */
export function backendSettingsFromEnv(env: Env, frontend: ClerkSettings): BackendSettings {
  const secretKey = env.CLERK_SECRET_KEY?.trim();
  if (!secretKey) {
    throw new ConfigError('Hosted mode needs CLERK_SECRET_KEY: the instance\'s secret key (sk_live_… or sk_test_…, Clerk Dashboard → API keys), set in the server\'s environment.');
  }
  if (!SECRET_KEY.test(secretKey)) {
    throw new ConfigError('CLERK_SECRET_KEY is not a Clerk secret key: it must start with sk_live_ or sk_test_ followed by letters, digits, _ or -. Copy it from the Clerk Dashboard (API keys).');
  }
  const explicit = env.CLERK_BACKEND_API_URL?.trim();
  return {
    baseUrl: explicit ? parseApiUrl(explicit, 'CLERK_BACKEND_API_URL', DEFAULT_BACKEND_API_URL).replace(/\/v1$/, '') : DEFAULT_BACKEND_API_URL,
    secretKey,
    apiVersion: frontend.apiVersion,
    timeoutMs: frontend.timeoutMs,
    ...(frontend.maxResponseBytes !== undefined ? { maxResponseBytes: frontend.maxResponseBytes } : {}),
    ...(frontend.maxConcurrency !== undefined ? { maxConcurrency: frontend.maxConcurrency } : {}),
  };
}
