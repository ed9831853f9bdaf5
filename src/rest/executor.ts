import type { ToolExecutor } from '../engine/executor.js';
import { shapeAnswer, UnexpectedShape } from '../engine/mapping.js';
import type { Capability, ServiceSpec } from '../engine/model.js';
import { toRequest, type FieldValue } from '../engine/request.js';
import { renderJsonBody } from '../engine/template.js';
import { RestApiError, RestRequestError } from './errors.js';

export interface RestOptions {
  /** Deadline of one call, in ms. */
  readonly timeoutMs?: number;
  /** Largest answer read, in bytes. */
  readonly maxResponseBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
// An error body is quoted to the agent only this far: enough for the API's message.
const EXCERPT = 500;

/**
 * Runs a capability's tools as plain HTTP calls with JSON bodies: its own base URI, its bearer or
 * API key authentication (binds already filled in by engine/binds.ts), its output mappings. Every
 * text it gives out passes through `redact`, which knows every bound value.
 */
export function restExecutor(capability: Capability, secrets: readonly string[], options: RestOptions = {}): ToolExecutor {
  const services = new Map((capability.services ?? []).map((s) => [s.namespace, s]));
  const redact = redactor(secrets);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return {
    async execute(tool, args, signal) {
      const op = tool.operation;
      const service = services.get(op.service ?? '');
      if (!service) throw new Error(`${op.name}: no consumed adapter ${op.service ?? '(none)'}`);
      const request = toRequest(op, args, signal);
      const label = `${op.method} ${request.path}`;
      const url = urlOf(service, request.path, request.query, label);
      const headers = new Headers({ accept: 'application/json', ...request.headers });
      if (service.authentication?.type === 'bearer') headers.set('authorization', `Bearer ${service.authentication.token}`);
      if (service.authentication?.type === 'apikey' && service.authentication.placement === 'header') headers.set(service.authentication.key, service.authentication.value);
      let body: string | undefined;
      if (op.bodyTemplate !== undefined) body = JSON.stringify(renderJsonBody(op.bodyTemplate, args));
      else if (request.form) body = JSON.stringify(request.form);
      if (body !== undefined) headers.set('content-type', 'application/json');
      let response: Response;
      try {
        // No redirects followed: a bearer token or API key must not travel to another host.
        response = await fetch(url, { method: op.method, headers, body: body ?? null, redirect: 'manual', signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      } catch (error) {
        const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        throw new RestRequestError(`${label} got no answer (${why})`, op.method !== 'GET', { cause: error });
      }
      const text = await readText(response, maxBytes, label);
      if (response.status >= 300) throw new RestApiError(response.status, label, redact(text.slice(0, EXCERPT)).replace(/\s+/g, ' ').trim());
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch {
        throw new RestRequestError(`${label} answered ${response.status} with a body that is not JSON`, true);
      }
      try {
        return shapeAnswer(op.output, parsed);
      } catch (error) {
        if (error instanceof UnexpectedShape) throw new RestRequestError(`${label} answered ${response.status}, but ${error.message}`, true, { cause: error });
        throw error;
      }
    },
    questionContext: async () => ({}),
    explain: (what, error) => {
      const known = error instanceof RestApiError || error instanceof RestRequestError;
      const advice = error instanceof RestRequestError && error.sent ? ' It may have been carried out: check before repeating it.' : '';
      return { text: redact(`${what} failed: ${error instanceof Error ? error.message : String(error)}.${advice}`), expected: known };
    },
    unusableAnswer: ({ name, operation }, args, problem) => {
      const { method, path } = toRequest(operation, args);
      return redact(
        method === 'GET'
          ? `${name} failed: the answer to ${method} ${path} does not have the expected shape (${problem}).`
          : `${name}: ${method} ${path} answered with success: it was done, but its answer does not have the expected shape (${problem}). Do not repeat it.`,
      );
    },
    redact,
    // Its hosts: what the user knows the API by (a capability's label may be a file name).
    serviceName: redact([...new Set([...services.values()].map((s) => new URL(s.baseUri).host))].join(' or ')),
  };
}

function urlOf(service: ServiceSpec, path: string, query: Readonly<Record<string, FieldValue>>, label: string): URL {
  const base = new URL(service.baseUri);
  const url = new URL(`${service.baseUri.replace(/\/+$/, '')}${path}`);
  // The credentials belong to the base URI's origin: whatever the path holds, nothing goes elsewhere.
  if (url.origin !== base.origin) throw new RestRequestError(`${label} would go to ${url.origin}, not ${base.origin}: refused, nothing was sent`, false);
  // Path arguments are encoded one segment each, but a URL still resolves "." and ".." (even as
  // %2E%2E): a path that does not stay as built is refused rather than sent somewhere else.
  if (url.pathname !== `${base.pathname.replace(/\/+$/, '')}${path}`) throw new RestRequestError(`${label}: a path argument is "." or "..", which would change the path: refused, nothing was sent`, false);
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  if (service.authentication?.type === 'apikey' && service.authentication.placement === 'query') url.searchParams.set(service.authentication.key, service.authentication.value);
  return url;
}

async function readText(response: Response, maxBytes: number, label: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new RestRequestError(`${label} answered ${response.status} with ${declared} bytes, more than the ${maxBytes} read`, true);
  }
  const text = await response.text();
  if (Buffer.byteLength(text) > maxBytes) throw new RestRequestError(`${label} answered ${response.status} with more than the ${maxBytes} bytes read`, true);
  return text;
}

/**
 * Replaces each secret, as written and as a URL carries it, with `[redacted]`; longest first, so
 * that no part of one is left. A URL carries it percent-encoded as a path or as a query
 * (URLSearchParams: space as "+", and "~!'()" encoded too), with upper- or lowercase hex.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const lowerHex = (s: string): string => s.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  const encodings = (s: string): string[] => [encodeURIComponent(s), new URLSearchParams({ s }).toString().slice('s='.length)].flatMap((e) => [e, lowerHex(e)]);
  const forms = [...new Set(secrets.flatMap((s) => [s, ...encodings(s), JSON.stringify(s).slice(1, -1)]))].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
