import { describe, expect, it } from 'vitest';
import { parsePublishableKey } from '../src/clerk/publishable-key.js';

describe('parsePublishableKey', () => {
  it('derives the Frontend API host of a development key', () => {
    expect(parsePublishableKey('pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk')).toEqual({ instanceType: 'development', frontendApi: 'example.accounts.dev' });
  });

  it('derives the host of a production key', () => {
    expect(parsePublishableKey('pk_live_Y2xlcmsuZXhhbXBsZS5jb20k')).toEqual({ instanceType: 'production', frontendApi: 'clerk.example.com' });
  });

  it('accepts padded and unpadded base64 alike', () => {
    // "happy-hippo-1.clerk.accounts.dev$" encodes without padding; "x.io$" needs some.
    expect(parsePublishableKey('pk_test_aGFwcHktaGlwcG8tMS5jbGVyay5hY2NvdW50cy5kZXYk').frontendApi).toBe('happy-hippo-1.clerk.accounts.dev');
    const padded = `pk_test_${Buffer.from('x.io$').toString('base64')}`;
    expect(padded.endsWith('=')).toBe(true);
    expect(parsePublishableKey(padded).frontendApi).toBe('x.io');
    expect(parsePublishableKey(padded.replace(/=+$/, '')).frontendApi).toBe('x.io');
  });

  it.each([
    ['a wrong prefix', 'sk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk', /pk_test_ or pk_live_/],
    ['an unknown environment', 'pk_prod_ZXhhbXBsZS5hY2NvdW50cy5kZXYk', /pk_test_ or pk_live_/],
    ['too many parts', 'pk_test_ZXhh_bXBsZS5', /not base64 \(it holds "_": is it a placeholder\?\)/],
    ['a placeholder for its body', 'pk_live_or_pk_test_your_publishable_key', /the part after the prefix must be the base64 encoding of the instance's Frontend API host followed by "\$", and this is not base64 \(it holds "_": is it a placeholder\?\)/],
    ['base64 that encodes no host', 'pk_test_eW91cmtleWhlcmU', /does not encode a Frontend API host/],
    ['no "$"', 'pk_test_ZXhhbXBsZS5jb20=', /exactly one "\$"/],
    ['two "$"', 'pk_test_YS5iJCQ=', /exactly one "\$"/],
    ['no dot', 'pk_test_bm9kb3Qk', /no Frontend API host/],
    ['a host with a space', 'pk_test_ZXggYW1wbGUuY29tJA==', /not a host name/],
    ['not base64', 'pk_test_!!!!', /not base64/],
    ['an empty key body', 'pk_test_', /not base64/],
  ])('refuses a key with %s, naming the variable and not the key', (_what, key, why) => {
    let message = '';
    try {
      parsePublishableKey(key);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CLERK_PUBLISHABLE_KEY is not a valid Clerk publishable key/);
    expect(message).toMatch(why);
    expect(message).not.toContain(key.slice(8) || key);
  });
});
