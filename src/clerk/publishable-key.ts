import { ConfigError } from '../errors.js';

/** What a Clerk publishable key says about its instance. */
export interface PublishableKey {
  readonly instanceType: 'development' | 'production';
  /** The Frontend API host, e.g. `happy-hippo-1.clerk.accounts.dev`. */
  readonly frontendApi: string;
}

const PREFIXES = { pk_test: 'development', pk_live: 'production' } as const;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HOST = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d{1,5})?$/;

/**
 * Parses a publishable key by Clerk's own rules (clerk/javascript `packages/shared/src/keys.ts`):
 * `pk_test_` or `pk_live_`, then base64 of `<frontend api host>$`.
 * Errors name the variable, never the key: it is not secret, but it is the user's and logs travel.
 */
export function parsePublishableKey(key: string, variable = 'CLERK_PUBLISHABLE_KEY'): PublishableKey {
  const invalid = (why: string): ConfigError =>
    new ConfigError(`${variable} is not a valid Clerk publishable key: ${why}. Copy it from the Clerk Dashboard (API keys page).`);

  const parts = key.trim().split('_');
  if (parts.length !== 3) throw invalid('expected pk_test_… or pk_live_…');
  const [pk, env, encoded = ''] = parts;
  const prefix = `${pk}_${env}`;
  if (!(prefix in PREFIXES)) throw invalid('it must start with pk_test_ or pk_live_');
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) throw invalid('the part after the prefix is not base64');

  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  if (!decoded.endsWith('$') || decoded.indexOf('$') !== decoded.length - 1) {
    throw invalid('the decoded key must end with exactly one "$"');
  }
  const host = decoded.slice(0, -1);
  if (!host.includes('.')) throw invalid('the decoded key holds no Frontend API host');
  if (!HOST.test(host)) throw invalid('the decoded Frontend API host is not a host name');
  return { instanceType: PREFIXES[prefix as keyof typeof PREFIXES], frontendApi: host };
}
