import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostHeaderValidation, originValidation, toNodeHandler, type NodeIncomingMessageLike } from '@modelcontextprotocol/node';
import { createMcpHandler, localhostAllowedHostnames, type AuthInfo } from '@modelcontextprotocol/server';
import { ConfigError } from '../../errors.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, type HttpServerOptions } from './options.js';
import { isLoopback } from '../../loopback.js';

/** The MCP endpoint's path. */
export const MCP_PATH = '/mcp';
/** The liveness probe: 200 while serving, 503 while stopping; no authentication, nothing secret. */
export const HEALTH_PATH = '/healthz';

/** A running HTTP server. */
export interface HttpServer {
  /** `http://host:port` as bound (the port the OS chose when 0 was asked). */
  readonly origin: string;
  /** The MCP endpoint: `${origin}/mcp`. */
  readonly url: string;
  /** Requests being answered now (every path). */
  readonly inFlight: number;
  /**
   * Stops: new requests get 503 from now on, the requests in flight get up to `graceMs` to be
   * answered, then every connection is closed. Resolves with the number cut off unanswered.
   */
  stop(graceMs: number): Promise<number>;
}

// A refusal written by this layer: JSON-RPC's error shape, which MCP clients read, on a closed connection.
function refuse(res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32_000, message }, id: null }));
}

// The request line and headers as a web Request, for `authenticate` and extra routes: the body is
// not read (an unauthenticated client must not make us buffer it). `target` is the path and query.
function headersOnly(req: IncomingMessage, origin: string, target: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return new Request(`${origin}${target}`, { method: req.method ?? 'GET', headers });
}

// Every method some route answers; the rest get 405 before anything else reads the request.
const SERVED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// What the SDK's handler answers on /mcp (its own 405 names these).
const MCP_METHODS = 'GET, POST, DELETE';

// The liveness probe: `{ "status": "ok" }`, or 503 once stopping (a balancer moves on).
function health(req: IncomingMessage, res: ServerResponse, stopping: boolean): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
  if (stopping) return refuse(res, 503, 'Service unavailable: the server is stopping', { 'retry-after': '1' });
  res.removeHeader('connection');
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ status: 'ok' }));
}

// Web Response -> node response, for the small answers of authenticate and extra routes.
async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) headers[name] = value;
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Serves MCP over Streamable HTTP at `/mcp` with the SDK's `createMcpHandler` (both protocol eras
 * per request: 2026-07-28, and 2025-era clients through its stateless fallback; JSON responses, no
 * sessions), mounted on node:http with `@modelcontextprotocol/node`. In front of it, in order:
 * `/healthz` (answered whatever the Host, so that a balancer may probe by address), the Host check
 * (403, every other path), 503 once stopping, 405 for a method no route serves (TRACE, CONNECT…),
 * then on `/mcp` the Origin check (403) and `authenticate` (its refusal as given); nothing reaches a
 * server before all pass. Bodies over
 * `maxBodyBytes` get 413 unread, a request not received whole within `requestTimeoutMs` gets 408
 * and its connection closed, a POST that is not JSON 415 (the SDK's checks).
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const allowedHosts = [...(options.allowedHosts ?? localhostAllowedHostnames())];
  if (allowedHosts.length === 0 || (!isLoopback(host) && options.allowedHosts === undefined)) {
    throw new ConfigError(`listening on ${host}, which is not loopback, needs the Host names clients use (allowedHosts)`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const handler = createMcpHandler(options.factory, { maxRequestBodySize: maxBodyBytes, ...(options.onerror && { onerror: options.onerror }) });
  const mcp = toNodeHandler(handler, { maxRequestBodySize: maxBodyBytes, ...(options.onerror && { onerror: options.onerror }) });
  const validateHost = hostHeaderValidation(allowedHosts);
  const validateOrigin = originValidation([...(options.allowedOrigins ?? allowedHosts)]);
  let origin = '';
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  let settled: (() => void) | undefined;

  const route = async (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<void> => {
    // Refusals close the connection, so that a body they did not read is not read after them.
    res.setHeader('connection', 'close');
    // Routed on the path exactly as sent: `//x/mcp` or `/mcp/../admin` is no alias of `/mcp`.
    const target = req.url ?? '';
    const path = target.split('?', 1)[0];
    // Before the Host check: a balancer probes by address, not by name, and the answer reveals nothing.
    if (path === HEALTH_PATH) return health(req, res, stopping);
    if (!validateHost(req, res)) return;
    if (stopping) return refuse(res, 503, 'Service unavailable: the server is stopping', { 'retry-after': '1' });
    if (!target.startsWith('/')) return refuse(res, 400, 'Bad request: the request target must be a path');
    // TRACE, CONNECT and extension methods: none is served here, and `new Request` throws on some.
    if (!SERVED_METHODS.has(req.method ?? '')) return refuse(res, 405, 'Method not allowed', { allow: path === MCP_PATH ? MCP_METHODS : 'GET, HEAD, OPTIONS' });
    const request = headersOnly(req, origin, target);
    if (path === MCP_PATH) {
      if (!validateOrigin(req, res)) return;
      const auth = await options.authenticate(request);
      if (auth instanceof Response) return send(res, auth);
      res.removeHeader('connection');
      req.auth = auth;
      // IncomingMessage's `method: string | undefined` is the adapter's `method?: string` (exactOptionalPropertyTypes).
      return mcp(req as NodeIncomingMessageLike, res);
    }
    const extra = await options.routes?.(request);
    if (extra) return send(res, extra);
    refuse(res, 404, 'Not found');
  };

  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
      // How often the two timeouts above are checked (default 30 s, coarser than they are).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, requestTimeoutMs / 4)),
    },
    (req, res) => {
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        if (inFlight.size === 0) settled?.();
      });
      route(req, res).catch((error: unknown) => {
        options.onerror?.(error instanceof Error ? error : new Error(String(error)));
        if (!res.headersSent) refuse(res, 500, 'Internal error');
        else res.destroy();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // The usual reasons (port taken, privileged port, no such address) are settings to change, not bugs.
      const why: Record<string, string> = { EADDRINUSE: 'the port is in use', EACCES: 'not allowed to use that port', EADDRNOTAVAIL: 'no such address on this machine' };
      const reason = error.code ? why[error.code] : undefined;
      reject(reason ? new ConfigError(`cannot listen on ${host}:${options.port ?? 0}: ${reason} (choose another --port or --host)`, { cause: error }) : error);
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // Past the start, a server error (e.g. out of file descriptors while accepting) is reported, not a crash.
  server.on('error', (error) => options.onerror?.(error));
  const address = server.address() as AddressInfo;
  origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    origin,
    url: `${origin}${MCP_PATH}`,
    get inFlight() {
      return inFlight.size;
    },
    async stop(graceMs: number): Promise<number> {
      stopping = true;
      // Still listening while the calls in flight finish, so that a new request hears 503 (and a
      // balancer moves on) rather than finding the port closed.
      server.closeIdleConnections();
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          settled = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const unanswered = inFlight.size;
      server.close();
      server.closeAllConnections();
      await handler.close();
      return unanswered;
    },
  };
}
