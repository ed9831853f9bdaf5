import type { ToolExecutor } from '../engine/executor.js';
import type { OperationSpec } from '../engine/model.js';
import { toRequest } from '../engine/request.js';
import { shapeAnswer, UnexpectedShape } from '../engine/mapping.js';
import { listMemberships } from './account.js';
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
    async organizations(signal) {
      const memberships = await listMemberships(clerk, signal);
      const organizations = memberships.filter((m) => m.canManageMembers).map((m) => ({ id: m.id, name: m.name, slug: m.slug ?? null, role: m.role }));
      const others = memberships.length - organizations.length;
      return { organizations, ...(others > 0 ? { note: `The user also belongs to ${others} organization(s) without permission to manage members; they are not listed.` } : {}) };
    },
    // Clerk's refusals and network failures are answers; anything else is a bug.
    explain: (what, error) => ({ text: clerk.redact(describeFailure(what, error)), expected: error instanceof ClerkApiError || error instanceof ClerkRequestError }),
    unusableAnswer: ({ name, operation }, args, problem) => {
      const { method, path } = toRequest(operation, args);
      return clerk.redact(
        method === 'GET'
          ? `${name} failed: Clerk's answer to ${method} ${path} does not have the expected shape (${problem}).`
          : `${name}: Clerk answered with success to ${method} ${path}: it was done, but its answer does not have the expected shape (${problem}). Do not repeat it: list the invitations to see the result.`,
      );
    },
    redact: (text) => clerk.redact(text),
  };
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
