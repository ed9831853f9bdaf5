/** One request, start to end: body, route, native auth, handler, token rotation, envelope or error. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { authenticate, presentedToken, requireNative } from './auth.js';
import { ClerkFailure, fail } from './errors.js';
import { clientObject } from './objects.js';
import type { Context } from './context.js';
import { matchRoute } from './routes.js';
import { registerClient, rotate, type Client, type State } from './state.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface PipelineOptions {
  readonly nativeApi: boolean;
}

export class BodyTooLarge extends Error {}

/** Buffers the body up to the cap; past it, keeps draining so the 413 reaches the client. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new BodyTooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseForm(req: IncomingMessage, body: Buffer): URLSearchParams {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // Clerk's API is form based: any other body is as good as none.
  return new URLSearchParams(type === 'application/x-www-form-urlencoded' ? body.toString('utf8') : '');
}

function checkApiVersion(query: URLSearchParams): void {
  const bad = query.getAll('__clerk_api_version').find((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v));
  if (bad !== undefined) {
    throw fail('api_version_invalid', `'${bad}' is not a Clerk API version; versions are dates such as 2026-05-12.`);
  }
}

export interface Answer {
  status: number;
  body: unknown;
  /**
   * Set once the request authenticated (or created a client): every later answer, errors included,
   * carries it. Empty after `DELETE /v1/client`: sent as `Bearer `, Clerk's "forget the token".
   */
  token?: string;
  /** After a 413 the rest of the body is unread, so the connection cannot be reused. */
  close?: boolean;
}

export async function respond(state: State, options: PipelineOptions, req: IncomingMessage): Promise<Answer> {
  let authenticated: Client | undefined;
  let staleToken = false;
  try {
    const body = await readBody(req);
    if (!options.nativeApi) {
      const longMessage = 'Native API is disabled for this instance. Enable it in the Clerk Dashboard (Native applications) to sign in without a browser.';
      throw fail('native_api_disabled', longMessage);
    }
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
    const { route, params } = matchRoute(req.method ?? '', path);
    const token = presentedToken(req);
    if (req.headers.origin !== undefined && token !== '') {
      const longMessage = 'Send an Origin header (browser) or an Authorization header (native client), not both.';
      throw fail('origin_authorization_headers_conflict', longMessage);
    }
    checkApiVersion(query);
    if (token !== '') ({ client: authenticated, stale: staleToken } = authenticate(state, token, query));
    else if (route.client === 'required') throw fail('signed_out', 'You are signed out.');
    else requireNative(query); // The sandbox has no browser cookies: a client can only be native.
    const ctx: Context = { state, client: authenticated, staleToken, params, query, form: parseForm(req, body) };
    const response = route.handler(ctx);
    const { client } = ctx;
    // The client is gone: no client in the envelope, and the header tells the caller to forget its token.
    if (ctx.clearToken === true) return { status: 200, body: { response, client: null }, token: '' };
    if (client !== undefined && client !== authenticated) registerClient(state, client);
    else if (client !== undefined && route.method === 'POST') rotate(state, client);
    const answer = { status: 200, body: { response, client: client === undefined ? null : clientObject(state, client) } };
    return client === undefined ? answer : { ...answer, token: client.token };
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      const failure = fail('request_body_too_large', `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.`);
      return { status: failure.status, body: errorBody(failure), close: true };
    }
    const failure = error instanceof ClerkFailure ? error : fail('internal_clerk_error', 'The sandbox failed.');
    const answer = { status: failure.status, body: errorBody(failure) };
    return authenticated === undefined ? answer : { ...answer, token: authenticated.token };
  }
}

export function errorBody(failure: ClerkFailure): unknown {
  return { errors: failure.errors, clerk_trace_id: randomBytes(16).toString('hex') };
}

export function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(answer.body);
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  };
  if (answer.token !== undefined) headers['Authorization'] = answer.token === '' ? 'Bearer ' : answer.token;
  if (answer.close === true) headers['Connection'] = 'close';
  res.writeHead(answer.status, headers).end(json);
}
