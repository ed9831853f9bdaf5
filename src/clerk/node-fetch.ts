import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { checkProxyVariables, proxyVariablesSet } from './proxy-variables.js';

/** How many same-origin redirects one request follows; the answer after the last is returned as it is. */
export const MAX_REDIRECTS = 3;

// What a browser asks for. The answer is decoded here, so that the caller's byte cap counts decoded bytes.
const ACCEPT_ENCODING = 'gzip, deflate, br';
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

// Headers that describe a request body: dropped when a redirect turns the request into a GET (as fetch does).
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/** A compressed answer whose body did not decode (corrupt or truncated gzip, deflate or br). */
export class BodyDecodingError extends Error {
  override readonly name = 'BodyDecodingError';
}

/**
 * A `fetch` for ky on Node's own HTTP client, with keep-alive connections, at most `maxSockets` per
 * host. Node's built-in fetch (undici) costs several times more CPU and memory per request, which
 * an agent's bursts of calls feel (BENCHMARKS.md). Failures look like fetch's: a TypeError
 * "fetch failed" with the system error as its cause, or the signal's reason when aborted.
 *
 * Like a browser's fetch, it asks for gzip, deflate or br and decodes the body (dropping
 * Content-Encoding and Content-Length), and follows redirects, but only within the request's
 * origin and at most MAX_REDIRECTS times: a redirect elsewhere is returned unfollowed (its
 * `url` is the address that answered), so that the client token is never sent to another origin.
 */
export function nodeFetch(maxSockets: number): typeof fetch {
  const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets }) };
  const proxied = proxyAgents(maxSockets);
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const { signal } = request;
    signal.throwIfAborted();
    const fail = (error: unknown): unknown => (signal.aborted ? (signal.reason as unknown) : new TypeError('fetch failed', { cause: error }));
    let url = new URL(request.url);
    let method = request.method;
    let body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers = new Headers(request.headers);
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', ACCEPT_ENCODING);
    for (let redirects = 0; ; redirects++) {
      // Plain http (loopback only, config.ts) never goes through a proxy: see proxyAgents.
      const agent = url.protocol === 'https:' ? ((await proxied?.(url)) ?? agents['https:']) : agents['http:'];
      const sent: Record<string, string> = Object.fromEntries(headers);
      if (body) sent['content-length'] = String(body.length);
      const res = await send(url, { method, headers: sent, agent, signal }, body).catch((error: unknown) => Promise.reject(fail(error)));
      const next = redirects < MAX_REDIRECTS ? sameOriginRedirect(res, url) : undefined;
      if (next) {
        // A redirect's body says nothing; dropping it also frees its socket for the next hop.
        res.destroy();
        // As fetch does: 303 (and 301/302 after a POST) is fetched with GET and no body; 307/308 keep both.
        if ((res.statusCode === 303 && method !== 'GET' && method !== 'HEAD') || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          for (const name of BODY_HEADERS) headers.delete(name);
        }
        url = next;
        continue;
      }
      try {
        return toResponse(res, url);
      } catch (error) {
        // A status a Response cannot carry (below 200, above 599) is as good as no answer.
        res.destroy();
        throw fail(error);
      }
    }
  };
}

type SendOptions = { readonly method: string; readonly headers: Record<string, string>; readonly agent: HttpAgent; readonly signal: AbortSignal };

/** One request on Node's client: resolves with the answer's head, its body unread. */
function send(url: URL, options: SendOptions, body: Buffer | undefined): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, options, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

/** Where a redirect points, when it is a redirect that may be followed: a valid Location within the same origin. */
function sameOriginRedirect(res: IncomingMessage, from: URL): URL | undefined {
  const status = res.statusCode ?? 0;
  if (![301, 302, 303, 307, 308].includes(status) || res.headers.location === undefined) return undefined;
  const target = URL.canParse(res.headers.location, from.href) ? new URL(res.headers.location, from) : undefined;
  return target?.origin === from.origin ? target : undefined;
}

/**
 * The proxy agent for an https URL, when HTTPS_PROXY (or ALL_PROXY) names a proxy and NO_PROXY does
 * not exempt the host; undefined when none is set, so that start-up neither loads nor pays for
 * proxy support. The request goes through a CONNECT tunnel, with TLS to Clerk inside it: the proxy
 * sees the host name, never the token. Plain http is never proxied (HTTP_PROXY is ignored): it is
 * allowed only to loopback, where a proxy has no business, and it would carry the token in clear.
 */
function proxyAgents(maxSockets: number): ((url: URL) => Promise<HttpAgent | undefined>) | undefined {
  if (proxyVariablesSet(process.env).length === 0) return undefined;
  // Checked at start already (settingsFromEnv); again here for a client built without it.
  checkProxyVariables(process.env);
  const byProxy = new Map<string, HttpAgent>();
  return async (url) => {
    const { getProxyForUrl } = await import('proxy-from-env');
    const proxy = getProxyForUrl(url.href);
    if (!proxy) return undefined;
    let agent = byProxy.get(proxy);
    if (!agent) {
      const { HttpsProxyAgent } = await import('https-proxy-agent');
      agent = byProxy.get(proxy) ?? new HttpsProxyAgent(proxy, { keepAlive: true, maxSockets });
      byProxy.set(proxy, agent);
    }
    return agent;
  };
}

function toResponse(res: IncomingMessage, url: URL): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 502;
  const empty = status === 204 || status === 304;
  if (empty) res.resume();
  const decoder = empty ? undefined : DECODERS[(headers.get('content-encoding') ?? '').trim().toLowerCase()];
  let body: ReadableStream<Uint8Array> | null = null;
  if (decoder) {
    // The lengths and encoding were the compressed body's, as fetch drops them.
    headers.delete('content-encoding');
    headers.delete('content-length');
    body = decoded(res, decoder());
  } else if (!empty) {
    body = Readable.toWeb(res) as ReadableStream<Uint8Array>;
  }
  const response = new Response(body, { status, statusText: res.statusMessage ?? '', headers });
  // As fetch's: the address that answered (after redirects); a redirect left unfollowed is resolved against it.
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/**
 * The decoded body, inflated only as fast as it is read (one chunk per read), so that a reader
 * that stops at its byte cap never holds more: cancelling, or a body that does not decode,
 * destroys the decoder and drops the connection.
 */
function decoded(res: IncomingMessage, decoder: Transform): ReadableStream<Uint8Array> {
  // A connection that breaks reaches the reader as it is; the decoder's own failures mean a corrupt body.
  let broke: unknown;
  res.on('error', (error) => decoder.destroy((broke = error)));
  decoder.on('close', () => {
    if (!res.complete) res.destroy();
  });
  res.pipe(decoder);
  const chunks = decoder[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const encoding = res.headers['content-encoding'];
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error === broke ? error : new BodyDecodingError(`its ${encoding} encoding does not decode: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        }
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
