/**
 * The server's answers to `initialize` and `tools/list`, recorded from the real server at build
 * time (record.ts) and given by the bin while the MCP SDK is still loading. A desktop client lists
 * the tools the moment it starts a server; this module lets that answer leave before the SDK and
 * zod are even evaluated. No runtime import of the SDK here: that is the point.
 */

// The build (scripts/build.mjs) replaces this name with the answers it recorded (record.ts).
declare const PRECOMPUTED_EARLY_ANSWERS: EarlyAnswers | undefined;

/** The answers the build recorded for the bundled capability; none when run from source. */
export const recordedAnswers = (): EarlyAnswers | undefined => (typeof PRECOMPUTED_EARLY_ANSWERS === 'undefined' ? undefined : PRECOMPUTED_EARLY_ANSWERS);

/** What the build recorded. */
export interface EarlyAnswers {
  /** The protocol versions the SDK supports, the latest first. */
  readonly protocolVersions: readonly string[];
  /** The `initialize` result without its `protocolVersion`, which depends on the request. */
  readonly initialize: Readonly<Record<string, unknown>>;
  /** The `tools` of the `tools/list` result, in order, for the whole capability. */
  readonly tools: readonly (Readonly<Record<string, unknown>> & { readonly name: string })[];
}

/** An early answer, and whether the request must still reach the server once it runs. */
export interface EarlyReply {
  readonly reply: Readonly<Record<string, unknown>>;
  /** `initialize` is replayed to the server (so that it knows the client), its answer dropped. */
  readonly replay: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string | number => typeof v === 'string' || Number.isSafeInteger(v);
const only = (value: Json, keys: readonly string[]): boolean => Object.keys(value).every((k) => keys.includes(k));

/**
 * Answers `message` as the SDK server would, when it is an `initialize` or a first-page
 * `tools/list` request of a shape the SDK surely accepts; otherwise undefined, and the message
 * waits for the server. `tools` are the names served (after --read-only / --tools).
 */
export function earlyReply(answers: EarlyAnswers, message: unknown, tools: ReadonlySet<string>, initialized: boolean): EarlyReply | undefined {
  if (!isObject(message) || message.jsonrpc !== '2.0' || !isId(message.id) || !only(message, ['jsonrpc', 'id', 'method', 'params'])) return undefined;
  const { id, method, params } = message;
  if (method === 'initialize' && isInitializeParams(params)) {
    // The SDK's negotiation: the client's version if supported, else the latest.
    const protocolVersion = answers.protocolVersions.includes(params.protocolVersion) ? params.protocolVersion : answers.protocolVersions[0];
    return { reply: { jsonrpc: '2.0', id, result: { protocolVersion, ...answers.initialize } }, replay: true };
  }
  // A cursor asks for a page the server has to work out; params with anything else are left to it too.
  if (method === 'tools/list' && initialized && (params === undefined || (isObject(params) && only(params, ['_meta']) && (params._meta === undefined || isObject(params._meta))))) {
    return { reply: { jsonrpc: '2.0', id, result: { tools: answers.tools.filter((tool) => tools.has(tool.name)) } }, replay: false };
  }
  return undefined;
}

function isInitializeParams(params: unknown): params is { protocolVersion: string } {
  if (!isObject(params) || typeof params.protocolVersion !== 'string' || !isObject(params.capabilities) || !isObject(params.clientInfo)) return false;
  const { name, version } = params.clientInfo;
  return typeof name === 'string' && typeof version === 'string';
}
