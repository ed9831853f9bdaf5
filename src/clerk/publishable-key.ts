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

  const trimmed = key.trim();
  const prefix = Object.keys(PREFIXES).find((p) => trimmed.startsWith(`${p}_`)) as keyof typeof PREFIXES | undefined;
  if (!prefix) throw invalid('it must start with pk_test_ or pk_live_');
  const encoded = trimmed.slice(prefix.length + 1);
  // A placeholder such as pk_live_or_pk_test_your_publishable_key gets here: say what is wrong with its body.
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw invalid(`the part after the prefix must be the base64 encoding of the instance's Frontend API host followed by "$", and this is not base64${encoded.includes('_') ? ' (it holds "_": is it a placeholder?)' : ''}`);
  }

  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  if (!decoded.endsWith('$') || decoded.indexOf('$') !== decoded.length - 1) {
    throw invalid('it does not encode a Frontend API host (the decoded key must end with exactly one "$")');
  }
  const host = decoded.slice(0, -1);
  if (!host.includes('.')) throw invalid('the decoded key holds no Frontend API host');
  if (!HOST.test(host)) throw invalid('the decoded Frontend API host is not a host name');
  return { instanceType: PREFIXES[prefix], frontendApi: host };
}
