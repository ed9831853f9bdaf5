/** The answer of a JSON endpoint outside the Frontend API's envelope (OAuth server, Backend API), and how it is sent. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { BodyTooLarge, MAX_BODY_BYTES, readBody } from './pipeline.js';

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON; absent: an empty body. */
  readonly json?: unknown;
  /** After a 413 the rest of the body is unread, so the connection cannot be reused. */
  readonly close?: boolean;
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  let body: string;
  try {
    body = reply.json === undefined ? '' : JSON.stringify(reply.json);
  } catch {
    // Input checks keep stored values serializable; should one slip through, this request fails, not the sandbox.
    res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"internal_clerk_error","message":"Oops, an unexpected error occurred","long_message":"The sandbox failed.","meta":{}}]}');
    return;
  }
  const headers: OutgoingHttpHeaders = { ...reply.headers, 'Content-Length': Buffer.byteLength(body) };
  if (reply.json !== undefined) headers['Content-Type'] = 'application/json';
  if (reply.close === true) headers['Connection'] = 'close';
  res.writeHead(reply.status, headers).end(body);
}

/** The body, or undefined past the Frontend API's size cap (the caller answers 413 in its own error shape). */
export async function readCappedBody(req: IncomingMessage): Promise<Buffer | undefined> {
  try {
    return await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) return undefined;
    throw error;
  }
}

export const BODY_LIMIT_MESSAGE = `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`;

export const mediaType = (req: IncomingMessage): string => (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Path and query of the request target. */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const queryStart = target.indexOf('?');
  return {
    path: queryStart === -1 ? target : target.slice(0, queryStart),
    query: new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1)),
  };
}
