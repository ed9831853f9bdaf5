import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../src/clerk/settings.js';

const KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk';

describe('settingsFromEnv', () => {
  it('derives the host from the publishable key, with defaults for the rest', () => {
    expect(settingsFromEnv({ CLERK_PUBLISHABLE_KEY: KEY, CLERK_CLIENT_TOKEN: 't' })).toMatchObject({
      baseUrl: 'https://example.accounts.dev',
      clientToken: 't',
      sessionId: undefined,
      apiVersion: '2026-05-12',
      timeoutMs: 30_000,
      maxResponseBytes: 5 * 1024 * 1024,
      maxConcurrency: 8,
    });
  });

  it('reads the response size cap and the concurrency cap', () => {
    expect(settingsFromEnv({ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_MAX_RESPONSE_BYTES: '65536', CLERK_MAX_CONCURRENCY: '2' })).toMatchObject({ maxResponseBytes: 65_536, maxConcurrency: 2 });
  });

  it('prefers CLERK_FRONTEND_API_URL over the key, keeping a proxy path', () => {
    expect(settingsFromEnv({ CLERK_PUBLISHABLE_KEY: KEY, CLERK_FRONTEND_API_URL: 'https://example.com/__clerk/' }).baseUrl).toBe('https://example.com/__clerk');
  });

  it('accepts plain http only for a server on this machine', () => {
    for (const url of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
      expect(settingsFromEnv({ CLERK_FRONTEND_API_URL: url }).baseUrl).toBe(url);
    }
  });

  it('reads the session id, API version and timeout', () => {
    expect(settingsFromEnv({ CLERK_FRONTEND_API_URL: 'http://127.0.0.1:1234', CLERK_SESSION_ID: 'sess_1', CLERK_API_VERSION: '2025-04-10', CLERK_TIMEOUT_MS: '1500' })).toMatchObject({
      sessionId: 'sess_1',
      apiVersion: '2025-04-10',
      timeoutMs: 1500,
    });
  });

  it.each([
    [{}, /CLERK_PUBLISHABLE_KEY.*CLERK_FRONTEND_API_URL/],
    [{ CLERK_PUBLISHABLE_KEY: '  ' }, /CLERK_PUBLISHABLE_KEY.*CLERK_FRONTEND_API_URL/],
    [{ CLERK_PUBLISHABLE_KEY: 'pk_test_nope' }, /^CLERK_PUBLISHABLE_KEY is not a valid/],
    [{ CLERK_FRONTEND_API_URL: 'clerk.example.com' }, /^CLERK_FRONTEND_API_URL is not a URL/],
    [{ CLERK_FRONTEND_API_URL: 'ftp://clerk.example.com' }, /^CLERK_FRONTEND_API_URL must use https/],
    [{ CLERK_FRONTEND_API_URL: 'http://clerk.example.com' }, /^CLERK_FRONTEND_API_URL must use https \(http only for localhost/],
    [{ CLERK_FRONTEND_API_URL: 'https://clerk.example.com', CLERK_PUBLISHABLE_KEY: 'garbage' }, /^CLERK_PUBLISHABLE_KEY is not a valid/],
    [{ CLERK_FRONTEND_API_URL: 'https://u:p@clerk.example.com' }, /must not carry credentials/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_TIMEOUT_MS: '0' }, /^CLERK_TIMEOUT_MS/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_TIMEOUT_MS: 'soon' }, /^CLERK_TIMEOUT_MS/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_API_VERSION: 'latest' }, /^CLERK_API_VERSION/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_TIMEOUT_MS: '1e3' }, /^CLERK_TIMEOUT_MS must be a whole number/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_MAX_RESPONSE_BYTES: '5MB' }, /^CLERK_MAX_RESPONSE_BYTES must be a whole number of bytes between 1024/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_MAX_RESPONSE_BYTES: '100' }, /^CLERK_MAX_RESPONSE_BYTES/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_MAX_CONCURRENCY: '0' }, /^CLERK_MAX_CONCURRENCY must be a whole number of requests between 1 and 256/],
    [{ CLERK_FRONTEND_API_URL: 'https://x.io', CLERK_MAX_CONCURRENCY: '1000' }, /^CLERK_MAX_CONCURRENCY/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(message);
  });
});
