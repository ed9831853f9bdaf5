import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { OperationSpec, ParameterSpec } from '../capability/model.js';
import { annotationsFor } from './annotations.js';

/** Why a tool asks the user first: it destroys something, or it creates many things at once. */
export type ConfirmationReason = { readonly kind: 'destructive' } | { readonly kind: 'bulk'; readonly parameter: ParameterSpec };

/**
 * Derives from the operation alone whether a call needs the user's consent: destructive hints
 * (revoke, delete...), or a body parameter that is a list (one call, many invitations).
 */
export function confirmationReason(op: OperationSpec): ConfirmationReason | undefined {
  if (annotationsFor(op).destructiveHint === true) return { kind: 'destructive' };
  const list = op.inputParameters.find((p) => p.in === 'body' && p.type === 'array');
  return list ? { kind: 'bulk', parameter: list } : undefined;
}

/** Longest wait for the user's answer; a client's own tool-call timeout usually cancels sooner. */
export const CONFIRM_TIMEOUT_MS = 10 * 60_000;

// Long lists are cut in the message; the count is always exact.
const MAX_LISTED = 100;

/**
 * Renders what the call will do, for a person to approve: the operation, every argument (defaults
 * included, flags with their meaning), and the HTTP request. Values are quoted and escaped, so an
 * argument cannot forge lines of the message.
 */
export function confirmationMessage(op: OperationSpec, args: Readonly<Record<string, unknown>>, request: { method: string; path: string }): string {
  const reason = confirmationReason(op);
  const what =
    reason?.kind === 'bulk'
      ? `${countOf(args[reason.parameter.name])} at once, one per ${reason.parameter.name}`
      : 'destructive: it cannot be undone';
  const lines = op.inputParameters.flatMap((p) => {
    const given = args[p.name];
    const value = given ?? p.default;
    if (value === undefined) return [];
    let line = Array.isArray(value)
      ? `${p.name} (${value.length}): ${value.slice(0, MAX_LISTED).map(show).join(', ')}${value.length > MAX_LISTED ? `, … and ${value.length - MAX_LISTED} more` : ''}`
      : `${p.name}: ${show(value)}`;
    if (given === undefined) line += ' (default)';
    // true/false alone says nothing: notify=true is what decides whether emails go out.
    if (p.type === 'boolean' && p.description) line += ` — ${p.description.trim()}`;
    return [`  ${line}`];
  });
  return [`${op.title} (${op.name}), ${what}.`, '', ...lines, '', `Request: ${request.method} ${request.path}`, 'Nothing is sent unless you confirm.'].join('\n');
}

const duration = (ms: number): string => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

const countOf = (value: unknown): number => (Array.isArray(value) ? value.length : 1);

// JSON quoting escapes quotes and line breaks; invisible and direction-changing characters are escaped too.
const show = (value: unknown): string =>
  JSON.stringify(value).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });

/** What the person said; anything but an explicit yes means nothing is sent. */
export type ConfirmOutcome = { readonly confirmed: true } | { readonly confirmed: false; readonly why: string };

/** What the tool handler knows about its own call. */
export interface CallContext {
  readonly signal: AbortSignal;
  readonly requestId: RequestId;
}

/**
 * Asks the connected person, through elicitation, to approve the call. Clients that said at
 * initialize they cannot be asked (no form elicitation) are not: the tool's annotations already
 * warn them. Without a successful initialize nothing is known of the client, and nothing is run.
 */
export async function confirmCall(server: McpServer, message: string, call: CallContext, timeoutMs = CONFIRM_TIMEOUT_MS): Promise<ConfirmOutcome> {
  const capabilities = server.server.getClientCapabilities();
  if (!capabilities) return { confirmed: false, why: "the client's capabilities are unknown (no successful initialize), so the user could not be asked to confirm" };
  if (!capabilities.elicitation?.form) return { confirmed: true };
  let result;
  try {
    result = await server.server.elicitInput(
      {
        mode: 'form',
        message,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Go ahead', description: 'Do exactly what is described above.', default: false } },
          required: ['confirm'],
        },
      },
      { signal: call.signal, timeout: timeoutMs, relatedRequestId: call.requestId },
    );
  } catch (error) {
    // The SDK reports an abort as a timeout: the signal tells them apart.
    if (call.signal.aborted) return { confirmed: false, why: 'the call was cancelled while waiting for confirmation' };
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return { confirmed: false, why: `no confirmation came within ${duration(timeoutMs)}` };
    }
    return { confirmed: false, why: `the confirmation could not be asked (${error instanceof Error ? error.message : String(error)})` };
  }
  if (call.signal.aborted) return { confirmed: false, why: 'the call was cancelled while waiting for confirmation' };
  switch (result.action) {
    case 'accept':
      return result.content?.confirm === true ? { confirmed: true } : { confirmed: false, why: 'the user did not confirm' };
    case 'decline':
      return { confirmed: false, why: 'the user declined' };
    case 'cancel':
      return { confirmed: false, why: 'the user dismissed the confirmation' };
  }
}
