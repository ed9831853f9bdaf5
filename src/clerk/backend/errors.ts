import { ClerkApiError, describeFailure } from '../errors.js';
import { describeRefusal, RefusedBeforeSending } from './refusal.js';
import { ConfirmationAlreadyUsed } from './replay.js';

const OPERATOR = 'This is the server\'s configuration, not the user\'s doing: tell whoever runs this server.';

/**
 * A failed call through the Backend API, in the Frontend API client's words where they hold
 * (Clerk's codes, hints, retries, "may have been applied"), and in the Backend API's own where they
 * do not: a refused secret key and an answer that was not Clerk's point at the server's settings.
 */
export function describeBackendFailure(what: string, error: unknown): string {
  if (error instanceof RefusedBeforeSending) return describeRefusal(what, error);
  if (error instanceof ConfirmationAlreadyUsed) return `${what} was not run: ${error.message}`;
  if (error instanceof ClerkApiError) {
    // The Frontend API's lines without its hint, which would send the user to sign in again.
    const lines = describeFailure(what, error).split('\n').filter((line) => !line.startsWith('Hint: '));
    if (error.status === 401) {
      return [...lines, `Hint: Clerk refused the server's secret key (CLERK_SECRET_KEY is wrong, or was rolled in the Clerk Dashboard), so nothing was done. ${OPERATOR}`].join('\n');
    }
    const noClerkBody = error.errors.every((e) => e.code === 'no_clerk_error_body');
    if (noClerkBody && error.status >= 400 && error.status < 500 && error.status !== 429) {
      return [...lines, `Hint: Something other than Clerk's Backend API answered (no Clerk error body): check that CLERK_BACKEND_API_URL points at it. ${OPERATOR}`].join('\n');
    }
  }
  return describeFailure(what, error);
}
