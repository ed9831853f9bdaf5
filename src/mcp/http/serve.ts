import { log } from '../../log.js';
import { DEFAULT_SHUTDOWN_GRACE_MS, type HttpServerOptions } from './options.js';
import { startHttpServer, type HttpServer } from './server.js';

/** What serveHttp runs as the server stops. */
export interface HttpStopHooks {
  /** Called first, at the signal: e.g. to stop sending requests to Clerk that have not started. */
  readonly onStop?: () => void;
  /** Called last, before the process exits: e.g. to close the sandbox. */
  readonly onClose?: () => Promise<void>;
  /** How long the requests in flight get to be answered (default DEFAULT_SHUTDOWN_GRACE_MS). */
  readonly graceMs?: number;
}

/**
 * Starts `startHttpServer(options)` and stops it on SIGTERM or SIGINT: `onStop`, then new requests
 * get 503 while those in flight get up to `graceMs` to be answered, then `onClose`, and exit 0.
 * A second signal ends the process at once. Resolves once listening.
 */
export async function serveHttp(options: HttpServerOptions, { onStop, onClose, graceMs = DEFAULT_SHUTDOWN_GRACE_MS }: HttpStopHooks = {}): Promise<HttpServer> {
  const server = await startHttpServer(options);
  let closing = false;
  const close = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    onStop?.();
    log(`${signal}: stopping; ${server.inFlight} request(s) in flight get up to ${graceMs} ms`);
    try {
      const unanswered = await server.stop(graceMs);
      if (unanswered > 0) log(`stopped after ${graceMs} ms with ${unanswered} request(s) unanswered`);
      await onClose?.();
    } catch (error) {
      log(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
  return server;
}
