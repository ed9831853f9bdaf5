import type { AuthInfo, McpServerFactory } from '@modelcontextprotocol/server';

/**
 * Decides whether a request to `/mcp` may run, from its headers alone (the body is not read yet):
 * resolves to the caller's `AuthInfo` (handed to the server factory as `authInfo` and to tool
 * handlers as `ctx.http.authInfo`) or to the refusal to send back (401 with its
 * `WWW-Authenticate` challenge, 403…). The SDK's `requireBearerAuth({ verifier, … })` has exactly
 * this shape. The request carries the method, URL and headers, no body.
 */
export type Authenticate = (request: Request) => Promise<AuthInfo | Response>;

/**
 * Extra routes outside `/mcp` and `/healthz` (e.g. `/.well-known/oauth-protected-resource`):
 * a response, or undefined to fall through to 404. The SDK's `oauthMetadataResponse(request, …)`
 * has this shape. Host is checked before; Origin is not (the documents are public, and browser
 * clients fetch them cross-origin).
 */
export type ExtraRoutes = (request: Request) => Response | undefined | Promise<Response | undefined>;

/** Default largest request body taken (1 MiB): tool arguments are small; a larger body gets 413 unread. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default time a client has to send a whole request, headers and body (a slower one gets 408 and is cut off). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default time calls in flight get to finish once the server is told to stop. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** What `startHttpServer` serves, where, and under which limits. */
export interface HttpServerOptions {
  /** One fresh server per request (both eras); `ctx.authInfo` is what `authenticate` resolved to. */
  readonly factory: McpServerFactory;
  readonly authenticate: Authenticate;
  readonly routes?: ExtraRoutes;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on; 0 (the default) takes a free one. */
  readonly port?: number;
  /**
   * Host header names (without port) taken; anything else gets 403 (DNS rebinding protection).
   * Default, and required unless `host` is loopback: localhost, 127.0.0.1, [::1].
   */
  readonly allowedHosts?: readonly string[];
  /** Origin host names taken on `/mcp` when a request has an Origin (browsers); default: `allowedHosts`. */
  readonly allowedOrigins?: readonly string[];
  readonly maxBodyBytes?: number;
  readonly requestTimeoutMs?: number;
  /** Reports failures of the SDK's serving (refused requests, handler errors): a line on stderr. */
  readonly onerror?: (error: Error) => void;
}
