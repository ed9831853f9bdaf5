import type { HTTPError } from 'ky';
import { ClerkRequestError } from './errors.js';
import { BodyTimeout, discard, FRONTEND_API, isKyTimeout, type Call, type HttpContext } from './http.js';
import { BodyDecodingError, MAX_REDIRECTS } from './node-fetch.js';
import { callDeadlineMs } from './settings.js';

// Errors for calls that got no usable answer from Clerk, in words that say what to do next.

/**
 * A redirect that nodeFetch did not follow: to another origin (where the client token is never
 * sent, so nothing was sent there), without a usable Location, or past MAX_REDIRECTS hops.
 */
export function redirectError(context: HttpContext, call: Call, response: Response, cause: HTTPError): ClerkRequestError {
  const { label } = call;
  const { status } = response;
  const upstream = context.upstream ?? FRONTEND_API;
  discard(response);
  const from = new URL(response.url || context.settings.baseUrl);
  const location = response.headers.get('location');
  const target = location !== null && URL.canParse(location, from.href) ? new URL(location, from.href) : undefined;
  let where: string;
  // Only the origin: the rest of a Location may carry anything, a token included.
  if (!target) where = 'without a usable Location';
  else if (target.origin === from.origin) where = `more than ${MAX_REDIRECTS} times within ${from.origin}`;
  else where = `to another origin, ${target.origin}. It was not followed: ${upstream.credential} is never sent to another origin, and nothing was sent there`;
  // 303 (See Other) says the request was carried out and points at its result; the others ask for the request itself to be sent elsewhere.
  const applied = label.method !== 'GET' && status === 303;
  const notDone = label.method === 'GET' || applied ? '' : ` A ${status} redirect means the ${label.method} was not carried out at ${from.origin}.`;
  return new ClerkRequestError(
    label,
    'redirect',
    `${from.origin} answered ${label.method} ${label.path} with a redirect (${status}) ${where}.${notDone} If ${upstream.name} has moved (a proxy or custom domain), set ${upstream.urlSetting} to its new address.`,
    applied,
    { cause },
  );
}

/** The error for a call that got no usable answer: cancelled, past its deadline, timed out, malformed, or a network failure. */
export function requestError(context: HttpContext, call: Call, error: unknown, body?: { maybeApplied: boolean; reading: true }): ClerkRequestError {
  const { label } = call;
  const code = networkCode(error);
  // A write that got no answer may still have been applied by Clerk, unless it never left, or its
  // latest attempt was refused (429) and the call ended while waiting to send it again.
  const maybeApplied = body?.maybeApplied ?? (call.sent && !call.answered && label.method !== 'GET' && !(code && NEVER_SENT.has(code)));
  const where = `${label.method} ${label.path}`;
  const options = { cause: error };
  if (call.cancel?.aborted) return new ClerkRequestError(label, 'aborted', `the request was cancelled (${where}).`, maybeApplied, options);
  if (call.expired) {
    const waiting = call.sent ? (call.retries ? `, after ${call.retries} ${call.retries === 1 ? 'retry' : 'retries'}` : '') : ', waiting for a free request slot (CLERK_MAX_CONCURRENCY): too many calls at once';
    return new ClerkRequestError(label, 'timeout', `no complete answer from Clerk within ${callDeadlineMs(context.settings.timeoutMs)} ms (twice CLERK_TIMEOUT_MS, for the whole call) to ${where}${waiting}.`, maybeApplied, options);
  }
  if (isKyTimeout(error) || error instanceof BodyTimeout) {
    const what = body ? 'the whole answer did not arrive' : 'no answer from Clerk';
    return new ClerkRequestError(label, 'timeout', `${what} within ${context.settings.timeoutMs} ms (CLERK_TIMEOUT_MS) to ${where}.`, maybeApplied, options);
  }
  const host = new URL(context.settings.baseUrl).host;
  const upstream = context.upstream ?? FRONTEND_API;
  const malformed = malformedAnswer(error);
  if (malformed) {
    return new ClerkRequestError(label, 'malformed', `the answer from ${host} to ${where} was malformed (${malformed}): something other than ${upstream.name} may be answering there; check ${upstream.check}.`, maybeApplied, options);
  }
  const why = code ?? rootCause(error);
  if (body) return new ClerkRequestError(label, 'network', `the connection to Clerk at ${host} broke while its answer to ${where} was being read${why ? ` (${why})` : ''}.`, maybeApplied, options);
  return new ClerkRequestError(label, 'network', `could not reach Clerk at ${host} for ${where}${why ? ` (${why})` : ''}: check the network and ${upstream.check}.`, maybeApplied, options);
}

// Connection failures that prove nothing was sent.
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The system error code (ECONNREFUSED, ENOTFOUND…) behind a fetch failure, if any. */
function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * What was wrong with an answer that was not valid HTTP: Node's parser refused it (HPE_…), its
 * status lay outside what a Response can carry (Node reads any 3 digits; fetch takes 200–599),
 * or its compressed body did not decode.
 */
function malformedAnswer(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) {
    if (e instanceof BodyDecodingError) return e.message;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('HPE_')) return code;
    if (e instanceof RangeError && /status/i.test(e.message)) return 'a status outside 200–599';
  }
  return undefined;
}

/** The innermost message of a fetch failure ("bad port", "other side closed"…), which says more than "fetch failed". */
function rootCause(error: unknown): string | undefined {
  let message: string | undefined;
  for (let e: unknown = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth++) message = e.message;
  return message;
}

const isError = (e: unknown): e is Error => e instanceof Error;
