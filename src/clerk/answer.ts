import type { HTTPError } from 'ky';
import { isRecord } from '../json.js';
import { ClerkApiError, ClerkRequestError, type ClerkErrorItem } from './errors.js';
import { BodyTimeout, discard, FRONTEND_API, type Call, type ClerkRequest, type HttpContext } from './http.js';
import { requestError } from './http-errors.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from './settings.js';

// Reading Clerk's answers: bounded in size and time, JSON, and Clerk's error bodies.

/**
 * Reads a body up to CLERK_MAX_RESPONSE_BYTES, within what is left of the attempt's
 * CLERK_TIMEOUT_MS (ky's timeout ends when the headers arrive); past either, the connection is dropped.
 */
export async function readBody(context: HttpContext, call: Call, response: Response): Promise<string> {
  const { label } = call;
  const cap = context.settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const where = `${label.method} ${label.path}`;
  // A success to a write means Clerk did it; an unreadable answer does not undo that.
  const maybeApplied = label.method !== 'GET' && response.ok;
  const tooLarge = (size: string): ClerkRequestError =>
    new ClerkRequestError(label, 'too-large', `Clerk's answer (${response.status}) to ${where} is larger than ${cap} bytes (CLERK_MAX_RESPONSE_BYTES)${size}: it was not read. Ask for less (limit), or raise CLERK_MAX_RESPONSE_BYTES.`, maybeApplied);
  const declared = Number(response.headers.get('content-length') ?? '');
  if (declared > cap) {
    discard(response);
    throw tooLarge(` (${declared} bytes announced)`);
  }
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const bodyTimeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeout()), Math.max(0, call.attemptStartedAt + context.settings.timeoutMs - Date.now()));
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), bodyTimeout]);
      if (done) break;
      size += value.byteLength;
      if (size > cap) throw tooLarge('');
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    if (error instanceof ClerkRequestError) throw error;
    throw requestError(context, call, error, { maybeApplied, reading: true });
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export function parseJson(call: Call, response: Response, text: string, urlSetting = FRONTEND_API.urlSetting): unknown {
  const { label } = call;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const type = response.headers.get('content-type') ?? 'no content type';
    throw new ClerkRequestError(
      label,
      'not-json',
      `Clerk answered ${response.status} to ${label.method} ${label.path} with ${type}, not JSON (${Buffer.byteLength(text)} bytes): a proxy or gateway may be answering instead of Clerk; check ${urlSetting}.`,
      label.method !== 'GET' && response.ok,
      { cause: error },
    );
  }
}

/** The error for Clerk's refusal (a 4xx/5xx): its error body, trace id and Retry-After, redacted. */
export async function apiError(context: HttpContext, call: Call, response: Response, cause: HTTPError, form: ClerkRequest['form']): Promise<Error> {
  const { label, retries } = call;
  let body: unknown;
  let unread = '';
  try {
    body = parseJson(call, response, await readBody(context, call, response), context.upstream?.urlSetting);
  } catch (error) {
    // An error page too large or too slow to read says no more than its status.
    if (error instanceof ClerkRequestError && error.kind !== 'not-json') unread = ` It could not be read: ${error.message}`;
    body = undefined;
  }
  const errors: ClerkErrorItem[] = isRecord(body) && Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({
        code: typeof e.code === 'string' ? e.code : 'unknown',
        ...(typeof e.message === 'string' ? { message: context.redact(e.message) } : {}),
        ...(typeof e.long_message === 'string' ? { long_message: context.redact(e.long_message) } : {}),
        ...(isRecord(e.meta) ? { meta: e.meta } : {}),
      }))
    : [];
  if (errors.length === 0) {
    const type = response.headers.get('content-type') ?? 'no content type';
    errors.push({ code: 'no_clerk_error_body', long_message: `The answer (${type}) carried no Clerk error body: a proxy or gateway may have answered.${unread}` });
  }
  const traceId = isRecord(body) && typeof body.clerk_trace_id === 'string' ? body.clerk_trace_id : undefined;
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  return new ClerkApiError(label, response.status, errors, traceId, retries, retryAfter, { cause, sent: quotable(form) });
}

// Form fields a hint may quote back (e.g. the role Clerk did not find): never a password, code or ticket.
const QUOTABLE = ['role', 'email_address'] as const;

function quotable(form: ClerkRequest['form']): Partial<Record<string, string>> {
  const sent: Partial<Record<string, string>> = {};
  for (const name of QUOTABLE) {
    const value = form?.[name];
    if (typeof value === 'string') sent[name] = value;
  }
  return sent;
}

