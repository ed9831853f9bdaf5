import { CLIENT_TOKEN, SESSION_JWT } from './fake-clerk.js';

/** A valid publishable key (for example.accounts.dev): not secret, but the user's, so never echoed. */
export const PUBLISHABLE_KEY = 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk';

/** Which of the known secrets (and `more`) appear in `text`: the empty list is the only good answer. */
export function leakedSecrets(text: string, more: readonly string[] = []): string[] {
  return [CLIENT_TOKEN, SESSION_JWT, PUBLISHABLE_KEY, ...more].filter((secret) => text.includes(secret));
}
