// RFC 9110's preferred HTTP date, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". Date.parse alone also reads
// text such as "x 1" as a date.
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The wait in ms that a `Retry-After` (or `RateLimit-Reset`) header asks for: delay-seconds or an
 * HTTP date. Anything else is undefined, as if there were no header: ky reads an unparseable value
 * as its 10 s cap, a made-up wait that can outlast the call's deadline.
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  if (!HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(at - now, 0) : undefined;
}
