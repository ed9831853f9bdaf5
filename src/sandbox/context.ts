/** What a sandbox route handler is given: its own file, so that handlers and the route table do not import each other. */
import type { Client, State } from './state.js';

/** One request, as a route handler sees it. */
export interface Context {
  readonly state: State;
  /** The client the request authenticated as; a sign-in without a token sets a new one here. */
  client: Client | undefined;
  /** The request presented a stale or unknown token: `client` is the brand-new one that replaces it. */
  readonly staleToken: boolean;
  /** Set by `DELETE /v1/client`: the answer clears the token (`Authorization: Bearer `). */
  clearToken?: boolean;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly form: URLSearchParams;
}
