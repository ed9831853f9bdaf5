/** What a Backend API route handler is given. */
import { fail } from '../errors.js';
import type { OAuthState } from '../oauth/state.js';
import type { State } from '../state.js';

export interface BackendContext {
  readonly state: State;
  readonly oauth: OAuthState;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
}

/** The body as a JSON object; no body counts as an empty one. */
export function bodyObject(ctx: BackendContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (typeof ctx.body === 'object' && ctx.body !== null && !Array.isArray(ctx.body)) return ctx.body as Record<string, unknown>;
  throw fail('bad_request', 'The request body must be a JSON object.');
}
