import { annotationsFor } from './annotations.js';
import type { OperationSpec, ParameterSpec } from './model.js';

/** Why a tool asks the user first: it destroys something, or it creates many things at once. */
export type ConfirmationReason = { readonly kind: 'destructive' } | { readonly kind: 'bulk'; readonly parameter: ParameterSpec };

/**
 * Derives from the operation whether a call needs the user's consent: destructive hints (revoke,
 * delete...), or, in Clerk's Frontend API (`bulkLists`), a body parameter that is a list (one call,
 * many invitations). Elsewhere a list in a body says nothing of how many things a call makes.
 */
export function confirmationReason(op: OperationSpec, bulkLists = true): ConfirmationReason | undefined {
  if (annotationsFor(op).destructiveHint === true) return { kind: 'destructive' };
  if (!bulkLists) return undefined;
  const list = op.inputParameters.find((p) => p.in === 'body' && p.type === 'array');
  return list ? { kind: 'bulk', parameter: list } : undefined;
}

/**
 * Longest wait for the user's answer (and how long a question's `requestState` stays valid); a
 * client's own tool-call timeout usually cancels sooner.
 */
export const CONFIRM_TIMEOUT_MS = 10 * 60_000;

/**
 * How long a question asked over HTTP stays answerable. There the client asks the person and
 * calls again at once with the answer: two minutes is the time to read and decide. A signed state
 * that lives longer is only a longer window to send it again (to another replica, or after a
 * restart, where this process's record of answered questions does not reach).
 */
export const HTTP_CONFIRM_TIMEOUT_MS = 2 * 60_000;

// Long lists are cut in the message; the count is always exact.
const MAX_LISTED = 100;

/** What a person deciding on a revoke needs to see of the invitation. */
export interface InvitationSummary {
  readonly emailAddress: string;
  readonly role: string;
  /** The organization's name as the invitation carries it. */
  readonly organizationName: string | undefined;
}

/** What was looked up for the question: undefined where the lookup found nothing or failed. */
export interface QuestionContext {
  readonly organizationName?: string | undefined;
  readonly invitation?: InvitationSummary | undefined;
}

/**
 * Renders what the call will do, for a person to approve: the operation, what it acts on as a
 * person knows it (the invitation's address and role, the organization's name, when they could be
 * looked up), every argument (defaults included, flags with their meaning), and the HTTP request.
 * Values are quoted and escaped, so an argument cannot forge lines of the message.
 */
export function confirmationMessage(
  op: OperationSpec,
  args: Readonly<Record<string, unknown>>,
  request: { method: string; path: string },
  context: QuestionContext = {},
): string {
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
  return [`${op.title} (${op.name}), ${what}.`, '', ...targetLines(args, context), ...lines, '', `Request: ${request.method} ${request.path}`, 'Nothing is sent unless you confirm.'].join('\n');
}

function targetLines(args: Readonly<Record<string, unknown>>, context: QuestionContext): string[] {
  const lines: string[] = [];
  if (typeof args.invitation_id === 'string') {
    const { invitation } = context;
    lines.push(
      invitation
        ? `  Invitation for ${show(invitation.emailAddress)}, role ${show(invitation.role)}`
        : `  Invitation ${show(args.invitation_id)}: its address and role could not be looked up (not among the organization's pending invitations, or the lookup failed)`,
    );
  }
  if (typeof args.organization_id === 'string') {
    const name = context.organizationName ?? context.invitation?.organizationName;
    lines.push(name ? `  Organization ${show(name)} (${show(args.organization_id)})` : `  Organization ${show(args.organization_id)}: its name could not be looked up`);
  }
  return lines.length > 0 ? [...lines, ''] : [];
}

const countOf = (value: unknown): number => (Array.isArray(value) ? value.length : 1);

// JSON quoting escapes quotes and line breaks; invisible and direction-changing characters are escaped too.
const show = (value: unknown): string =>
  JSON.stringify(value).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
