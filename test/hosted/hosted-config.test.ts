import { describe, expect, it } from 'vitest';
import { confirmationKey, hostedConfigFromEnv, resourceUrl } from '../../src/cli/hosted-config.js';
import { PUBLISHABLE_KEY } from '../helpers/secrets.js';

const SECRET = 'sk_test_c2VjcmV0LWtleS1mb3ItdGVzdHM';
const env = (more: Record<string, string> = {}): Record<string, string> => ({ CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY, CLERK_SECRET_KEY: SECRET, ...more });

describe('hosted mode\'s settings', () => {
  it('takes the Frontend API from the publishable key as the issuer and defaults the Backend API to api.clerk.com', () => {
    const config = hostedConfigFromEnv(env());
    expect(config.issuer).toBe('https://example.accounts.dev');
    expect(config.backend).toMatchObject({ baseUrl: 'https://api.clerk.com', secretKey: SECRET, apiVersion: '2026-05-12' });
    expect(config.allowedClientIds).toBeUndefined();
    expect(config.tokenCacheMs).toBe(5_000);
  });

  it('reads the overrides: a Backend API URL with or without /v1, client ids, the cache time', () => {
    const config = hostedConfigFromEnv(env({ CLERK_FRONTEND_API_URL: 'http://127.0.0.1:4599', CLERK_BACKEND_API_URL: 'http://127.0.0.1:4599/bapi/v1/', CLERK_MCP_ALLOWED_CLIENT_IDS: ' client_a, client_b ,', CLERK_MCP_TOKEN_CACHE_MS: '0' }));
    expect(config.issuer).toBe('http://127.0.0.1:4599');
    expect(config.backend.baseUrl).toBe('http://127.0.0.1:4599/bapi');
    expect(config.allowedClientIds).toEqual(['client_a', 'client_b']);
    expect(config.tokenCacheMs).toBe(0);
  });

  it.each([
    [{ CLERK_BACKEND_API_URL: 'http://api.example.com' }, 'CLERK_BACKEND_API_URL must use https'],
    [{ CLERK_SECRET_KEY: 'pk_test_not_a_secret' }, 'CLERK_SECRET_KEY is not a Clerk secret key'],
    [{ CLERK_MCP_TOKEN_CACHE_MS: '600000' }, 'CLERK_MCP_TOKEN_CACHE_MS must be a whole number of milliseconds between 0 and 60000'],
  ])('refuses %o, naming the variable', (more, message) => {
    expect(() => hostedConfigFromEnv(env(more))).toThrow(message);
  });
});

describe('the resource URL', () => {
  it('is the public URL with /mcp, once', () => {
    expect(resourceUrl('https://mcp.example.com', '0.0.0.0', '').href).toBe('https://mcp.example.com/mcp');
    expect(resourceUrl('https://mcp.example.com/mcp/', '0.0.0.0', '').href).toBe('https://mcp.example.com/mcp');
    expect(resourceUrl('https://example.com/tools', '0.0.0.0', '').href).toBe('https://example.com/tools/mcp');
  });

  it('is the bound address on loopback without one, and required beyond loopback', () => {
    expect(resourceUrl(undefined, '127.0.0.1', 'http://127.0.0.1:8001').href).toBe('http://127.0.0.1:8001/mcp');
    expect(() => resourceUrl(undefined, '0.0.0.0', 'http://0.0.0.0:8001')).toThrow('add --public-url');
    expect(() => resourceUrl('http://mcp.example.com', '0.0.0.0', '')).toThrow('must use https');
  });
});

describe('the confirmation key', () => {
  it('is the same for one secret key (every replica) and differs for another, and is not the key', () => {
    expect(confirmationKey(SECRET).equals(confirmationKey(SECRET))).toBe(true);
    expect(confirmationKey(SECRET).equals(confirmationKey(`${SECRET}x`))).toBe(false);
    expect(confirmationKey(SECRET)).toHaveLength(32);
    expect(confirmationKey(SECRET).toString('latin1')).not.toContain(SECRET);
  });
});
