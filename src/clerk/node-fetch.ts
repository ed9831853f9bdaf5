import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { checkProxyVariables, proxyVariablesSet } from './proxy-variables.js';

/**
 * A `fetch` for ky on Node's own HTTP client, with keep-alive connections, at most `maxSockets` per
 * host. Node's built-in fetch (undici) costs several times more CPU and memory per request, which
 * an agent's bursts of calls feel (BENCHMARKS.md). Failures look like fetch's: a TypeError
 * "fetch failed" with the system error as its cause, or the signal's reason when aborted.
 */
export function nodeFetch(maxSockets: number): typeof fetch {
  const agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets }) };
  const proxied = proxyAgents(maxSockets);
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    request.signal.throwIfAborted();
    const url = new URL(request.url);
    // Plain http (loopback only, config.ts) never goes through a proxy: see proxyAgents.
    const agent = url.protocol === 'https:' ? ((await proxied?.(url)) ?? agents['https:']) : agents['http:'];
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    if (body) headers['content-length'] = String(body.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const fail = (error: unknown): void => reject(request.signal.aborted ? (request.signal.reason as unknown) : new TypeError('fetch failed', { cause: error }));
      const req = send(url, { method: request.method, headers, agent, signal: request.signal }, (res) => {
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

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const status = res.statusCode ?? 502;
  const empty = status === 204 || status === 304;
  if (empty) res.resume();
  return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers });
}
