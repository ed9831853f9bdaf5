import { ConfigError } from '../errors.js';
import { isLoopback } from '../loopback.js';
import { parsePublishableKey } from './publishable-key.js';
import { checkProxyVariables } from './proxy-variables.js';
import type { Env } from '../env.js';

/** Everything the server needs to talk to one Clerk Frontend API. */
export interface ClerkSettings {
  /** Frontend API origin (plus proxy path, if any), without a trailing slash. */
  readonly baseUrl: string;
  readonly clientToken: string | undefined;
  readonly sessionId: string | undefined;
  readonly apiVersion: string;
  /** Timeout of one HTTP attempt, headers and body. Each call gets twice this in all (callDeadlineMs). */
  readonly timeoutMs: number;
  /** Largest answer read from Clerk, in bytes (default DEFAULT_MAX_RESPONSE_BYTES). */
  readonly maxResponseBytes?: number;
  /** Most requests in flight to Clerk at once (default DEFAULT_MAX_CONCURRENCY). */
  readonly maxConcurrency?: number;
  /** Longest wait a `Retry-After` may impose before a retry (default RETRY_AFTER_CAP_MS). */
  readonly maxRetryAfterMs?: number;
  /** Kept only so that it can be scrubbed from messages. */
  readonly publishableKey?: string | undefined;
}

export const DEFAULT_API_VERSION = '2026-05-12';
export const DEFAULT_TIMEOUT_MS = 30_000;
// A list of 500 invitations is about 0.5 MB: ten times that leaves room for Clerk's extra fields.
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_CONCURRENCY = 8;
const MAX_RESPONSE_BYTES_LIMIT = 1024 * 1024 * 1024;
const MAX_CONCURRENCY_LIMIT = 256;

/** The whole time one call may take: queueing for a slot, every attempt and every wait between them. */
export const callDeadlineMs = (timeoutMs: number): number => Math.min(2 * timeoutMs, MAX_TIMEOUT_MS);
// ky refuses longer timeouts (setTimeout's limit).
const MAX_TIMEOUT_MS = 2_147_483_647;

const value = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** Reads the Clerk settings from environment variables; throws a ConfigError naming the variable at fault. */
export function settingsFromEnv(env: Env): ClerkSettings {
  checkProxyVariables(env);
  return {
    baseUrl: resolveBaseUrl(env),
    clientToken: value(env, 'CLERK_CLIENT_TOKEN'),
    sessionId: value(env, 'CLERK_SESSION_ID'),
    apiVersion: resolveApiVersion(env),
    timeoutMs: wholeNumber(env, 'CLERK_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, 'milliseconds'),
    maxResponseBytes: wholeNumber(env, 'CLERK_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, 1024, MAX_RESPONSE_BYTES_LIMIT, 'bytes'),
    maxConcurrency: wholeNumber(env, 'CLERK_MAX_CONCURRENCY', DEFAULT_MAX_CONCURRENCY, 1, MAX_CONCURRENCY_LIMIT, 'requests'),
    publishableKey: value(env, 'CLERK_PUBLISHABLE_KEY'),
  };
}

function resolveBaseUrl(env: Env): string {
  // A key that is set is checked even when the URL overrides its host: a broken setting should not go unnoticed.
  const key = value(env, 'CLERK_PUBLISHABLE_KEY');
  const fromKey = key ? `https://${parsePublishableKey(key).frontendApi}` : undefined;
  const explicit = value(env, 'CLERK_FRONTEND_API_URL');
  if (explicit) return parseApiUrl(explicit, 'CLERK_FRONTEND_API_URL', 'https://clerk.example.com or https://example.com/__clerk');
  if (fromKey) return fromKey;
  throw new ConfigError(
    'No Clerk instance configured: set CLERK_PUBLISHABLE_KEY (pk_test_… or pk_live_…, from the Clerk Dashboard) ' +
      'or CLERK_FRONTEND_API_URL (your Frontend API URL, proxy or custom domain), or start with --sandbox to try it without Clerk.',
  );
}

/** A Clerk API's URL from `variable`, without a trailing slash; throws a ConfigError naming the variable. */
export function parseApiUrl(raw: string, variable: string, example: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${variable} is not a URL: expected e.g. ${example}`);
  }
  // A token or key travels in every request: plain http only where it cannot leave the machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError(`${variable} must use https (http only for localhost, 127.0.0.1 or [::1]), not ${url.protocol}//${url.hostname}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${variable} must not carry credentials, a query or a fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

export function resolveApiVersion(env: Env): string {
  const version = value(env, 'CLERK_API_VERSION') ?? DEFAULT_API_VERSION;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) {
    throw new ConfigError(`CLERK_API_VERSION must be a date like ${DEFAULT_API_VERSION}`);
  }
  return version;
}

/** A whole number from `env[name]` within [min, max], or `fallback` when unset; a ConfigError naming the variable otherwise. */
export function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number, unit: string): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number of ${unit} between ${min} and ${max}`);
  }
  return n;
}
