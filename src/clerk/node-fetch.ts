import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * A `fetch` for ky on Node's own HTTP client, with keep-alive connections, at most `maxSockets` per
 * host. Node's built-in fetch (undici) costs several times more CPU and memory per request, which
 * an agent's bursts of calls feel (BENCHMARKS.md). Failures look like fetch's: a TypeError
 * "fetch failed" with the system error as its cause, or the signal's reason when aborted.
 */
export function nodeFetch(maxSockets: number): typeof fetch {
  const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets }) };
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    request.signal.throwIfAborted();
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    if (body) headers['content-length'] = String(body.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const fail = (error: unknown): void => reject(request.signal.aborted ? (request.signal.reason as unknown) : new TypeError('fetch failed', { cause: error }));
      const req = send(url, { method: request.method, headers, agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'], signal: request.signal }, (res) => {
        try {
          resolve(toResponse(res));
        } catch (error) {
          // A status a Response cannot carry (below 200, above 599) is as good as no answer.
          res.destroy();
          fail(error);
        }
      });
      req.on('error', fail);
      req.end(body);
    });
  };
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 502;
  const empty = status === 204 || status === 304;
  if (empty) res.resume();
  return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers });
}
