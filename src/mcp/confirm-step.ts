import { createHash, randomBytes } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type ElicitRequestFormParams,
  type InputRequiredResult,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { isRecord } from '../json.js';
import { isSignInState } from './sign-in-step.js';

/** The state a question carries through the client: which call it asked about. */
export interface ConfirmationState {
  /** This question, among all asked: a yes to it sends once. */
  readonly question: string;
  readonly tool: string;
  /** SHA-256 of the call's arguments (canonical JSON): a yes holds for exactly these. */
  readonly args: string;
}

// One key per process, never stored: a state is only good in the process that asked (stdio: one
// client, one process), and a restart voids every question still open.
const STATE_KEY = randomBytes(32);
// Questions whose yes was acted on, with when their state expires (then it is refused anyway).
const ANSWERED = new Map<string, number>();

/** Where confirmation states are signed, and to whom a state is bound. */
export interface ConfirmationStatesOptions {
  /**
   * The HMAC key (at least 32 bytes). Default: one random key per process. Replicas that may see
   * each other's questions answered need the same key.
   */
  readonly key?: Uint8Array | string;
  /**
   * Who a question belongs to: a state minted for one caller is refused when another sends it
   * back. Default: the authenticated client's id over HTTP (nothing on stdio, one client per process).
   */
  readonly bind?: (ctx: ServerContext) => string;
}

const byClient = (ctx: ServerContext): string => ctx.http?.authInfo?.clientId ?? '';

/**
 * Signs and checks confirmation states (HMAC-SHA256, valid for `timeoutMs`, at least 1 s), and
 * remembers the yeses acted on. One per process (not per server instance): over HTTP each request
 * has its own server, and the yes comes back in a later request.
 */
export class ConfirmationStates {
  readonly #codec: RequestStateCodec<ConfirmationState>;
  readonly #ttlMs: number;

  constructor(timeoutMs: number, { key = STATE_KEY, bind = byClient }: ConfirmationStatesOptions = {}) {
    const ttlSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    this.#codec = createRequestStateCodec<ConfirmationState>({ key, ttlSeconds, bind: (ctx) => `${ctx.mcpReq.method}\0${bind(ctx)}` });
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** For `ServerOptions.requestState.verify`: throws unless signed by this process and not expired. */
  readonly verify = (state: string, ctx: ServerContext): Promise<ConfirmationState> => this.#codec.verify(state, ctx);

  mint(call: Omit<ConfirmationState, 'question'>, ctx: ServerContext): Promise<string> {
    return this.#codec.mint({ question: randomBytes(16).toString('base64url'), ...call }, ctx);
  }

  /** Records that the yes to `question` is acted on; false when it already was (a replay). */
  use(question: string): boolean {
    const now = Date.now();
    for (const [answered, expires] of ANSWERED) if (expires < now) ANSWERED.delete(answered);
    if (ANSWERED.has(question)) return false;
    // Kept a little past the state's own expiry, which is counted in whole seconds.
    ANSWERED.set(question, now + this.#ttlMs + 1_000);
    return true;
  }
}

/** What to do with a call that needs consent. */
export type ConfirmStep =
  | { readonly kind: 'go'; /** The question a yes answered: absent when the client cannot be asked. */ readonly confirmation?: string }
  | { readonly kind: 'ask'; readonly result: InputRequiredResult }
  | { readonly kind: 'refused'; readonly why: string };

/** The call being confirmed. */
export interface PendingCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** The question, built only when it is asked (it may look things up). */
  readonly question: () => Promise<string>;
}

const confirmSchema = (): ElicitRequestFormParams['requestedSchema'] => ({
  type: 'object',
  properties: { confirm: { type: 'boolean', title: 'Go ahead', description: 'Do exactly what is described above.', default: false } },
  required: ['confirm'],
});

/**
 * Decides, on each entry of a tool call that needs consent, whether it may go ahead. The first
 * entry returns the question (`input_required`, with a signed state bound to the tool and its
 * arguments); a 2026-07-28 client asks the person and calls again with the answer, and for a
 * 2025-era client the SDK asks through elicitation/create and re-enters. Only an explicit yes,
 * under a state this process signed for this very call, lets it go, once. Clients that cannot be asked
 * (no form elicitation declared) are not: the tool's annotations already warn them. When nothing is
 * known of the client (no successful initialize), nothing is run.
 */
export async function confirmStep(server: McpServer, ctx: ServerContext, states: ConfirmationStates, call: PendingCall): Promise<ConfirmStep> {
  const capabilities = clientCapabilities(server, ctx);
  if (!capabilities) {
    // Over HTTP a 2025-era client is served statelessly: each request meets a fresh server that
    // never saw its initialize, and an elicitation's answer would come back to yet another one.
    if (ctx.http) return { kind: 'refused', why: 'a 2025-era client over HTTP cannot be asked to confirm (each request is served on its own); connect with a client that speaks MCP 2026-07-28, or over stdio' };
    return { kind: 'refused', why: "the client's capabilities are unknown (no successful initialize), so the user could not be asked to confirm" };
  }
  if (!canBeAsked(capabilities)) return { kind: 'go' };
  const digest = argumentsDigest(call.args);
  // Verified by the server's requestState hook before this runs: signed here, not expired.
  const carried = ctx.mcpReq.requestState<ConfirmationState>();
  // Back from a sign-in page: no question was asked yet.
  const state = isSignInState(carried) ? undefined : carried;
  if (state === undefined) {
    const message = await call.question();
    const requestState = await states.mint({ tool: call.tool, args: digest }, ctx);
    return { kind: 'ask', result: inputRequired({ inputRequests: { confirm: inputRequired.elicit({ mode: 'form', message, requestedSchema: confirmSchema() }) }, requestState }) };
  }
  if (!isRecord(state) || typeof state.question !== 'string' || state.tool !== call.tool || state.args !== digest) {
    return { kind: 'refused', why: 'the confirmation that came back was given for another call (another tool or other arguments)' };
  }
  if (ctx.mcpReq.signal.aborted) return { kind: 'refused', why: 'the call was cancelled while waiting for confirmation' };
  const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
  if (answer.kind !== 'elicit') return { kind: 'refused', why: 'no answer to the confirmation came back' };
  // Any answer uses the question up: a no stays a no (the same state sent again with a yes is not
  // a new question), and one yes sends once.
  if (!states.use(state.question)) return { kind: 'refused', why: 'this confirmation was already answered (each question is answered once): ask again' };
  switch (answer.action) {
    case 'accept':
      return answer.content?.confirm === true ? { kind: 'go', confirmation: state.question } : { kind: 'refused', why: 'the user did not confirm' };
    case 'decline':
      return { kind: 'refused', why: 'the user declined' };
    case 'cancel':
      return { kind: 'refused', why: 'the user dismissed the confirmation' };
  }
}

/**
 * What the client said it can do: on a 2026-07-28 request, the capabilities its envelope carries;
 * on a 2025-era connection, those of its initialize (undefined before a successful one).
 */
function clientCapabilities(server: McpServer, ctx: ServerContext): ClientCapabilities | undefined {
  const envelope: Record<string, unknown> | undefined = ctx.mcpReq.envelope;
  const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (isRecord(declared)) return declared as ClientCapabilities;
  // The 2025-era accessor, deprecated only in favour of the envelope read above.
  return server.server.getClientCapabilities();
}

// A bare `elicitation: {}` means form elicitation (what it meant before modes existed).
function canBeAsked(capabilities: ClientCapabilities): boolean {
  const elicitation = capabilities.elicitation;
  if (!elicitation) return false;
  return elicitation.form !== undefined || elicitation.url === undefined;
}

/** SHA-256 of the arguments as canonical JSON (keys sorted), so that key order does not matter. */
export function argumentsDigest(args: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(args)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
