import type { ToolDefinition } from '../engine/definitions.js';
import type { ToolExecutor } from '../engine/executor.js';
import type { OperationSpec } from '../engine/model.js';
import { toRequest } from '../engine/request.js';
import { shapeAnswer, UnexpectedShape } from '../engine/mapping.js';
import { listMemberships, type Membership } from './account.js';
import type { ClerkClient } from './client.js';
import { ClerkApiError, ClerkRequestError, describeFailure } from './errors.js';
import { lookUpQuestionContext } from './invitation-lookup.js';

/** Runs tool definitions as calls to Clerk's Frontend API through `clerk`, in Clerk's terms. */
export function clerkExecutor(clerk: ClerkClient): ToolExecutor {
  return {
    async execute(tool, args, signal) {
      const { response } = await clerk.request(toRequest(tool.operation, args, signal));
      return shapeOutput(tool.operation, { response });
    },
    questionContext: (args, signal) => lookUpQuestionContext(clerk, args, signal),
    organizations: async (signal) => manageableOrganizations(await listMemberships(clerk, signal)),
    // Clerk's refusals and network failures are answers; anything else is a bug.
    explain: (what, error) => ({ text: clerk.redact(describeFailure(what, error)), expected: error instanceof ClerkApiError || error instanceof ClerkRequestError }),
    unusableAnswer: (tool, args, problem) => clerk.redact(unusableAnswerMessage(tool, args, problem)),
    redact: (text) => clerk.redact(text),
  };
}

/** The organizations resource's body: those the user may manage members of, and how many others were left out. */
export function manageableOrganizations(memberships: readonly Pick<Membership, 'id' | 'name' | 'slug' | 'role' | 'canManageMembers'>[]): Record<string, unknown> {
  const organizations = memberships.filter((m) => m.canManageMembers).map((m) => ({ id: m.id, name: m.name, slug: m.slug ?? null, role: m.role }));
  const others = memberships.length - organizations.length;
  return { organizations, ...(others > 0 ? { note: `The user also belongs to ${others} organization(s) without permission to manage members; they are not listed.` } : {}) };
}

/** What the agent hears when Clerk's answer cannot be used (unredacted): for a write, that it was done all the same. */
export function unusableAnswerMessage({ name, operation }: ToolDefinition, args: Readonly<Record<string, unknown>>, problem: string): string {
  const { method, path } = toRequest(operation, args);
  return method === 'GET'
    ? `${name} failed: Clerk's answer to ${method} ${path} does not have the expected shape (${problem}).`
    : `${name}: Clerk answered with success to ${method} ${path}: it was done, but its answer does not have the expected shape (${problem}). Do not repeat it: list the invitations to see the result.`;
}

/**
 * Applies the operation's output mapping to the answer (the Frontend API's envelope, a Backend API
 * body; an Ikanos file's field mappings too), and gives every list one shape: Clerk answers lists
 * as a bare array or as `{ data, total_count }`, depending on the endpoint.
 */
export function shapeOutput(op: OperationSpec, answer: unknown): Record<string, unknown> {
  try {
    return shapeAnswer(op.output, answer);
  } catch (error) {
    if (!(error instanceof UnexpectedShape)) throw error;
    throw new ClerkRequestError({ method: op.method, path: op.path }, 'no-payload', `Clerk's answer has an unexpected shape: ${error.message}.`, false);
  }
}
