import type { OperationSpec } from '../engine/model.js';
import { annotationsFor } from '../engine/annotations.js';

// The server's instructions to agents, in Clerk's terms, for the tools actually served.

const names = (ops: readonly OperationSpec[]): string => ops.map((op) => op.name).join(', ');
const hasParameter = (op: OperationSpec, name: string, where: 'query' | 'body'): boolean => op.inputParameters.some((p) => p.name === name && p.in === where);

// Written once per list of operations: over HTTP a server, with its instructions, is built for every request.
const written = new WeakMap<readonly OperationSpec[], string>();

/**
 * The instructions for a server serving `operations` (after --read-only / --tools): they advise
 * only what can be done with the tools served, and name them, so that an agent is never told to
 * create, revoke or list with a tool it does not have. Which tool does what comes from its hints.
 */
export function serverInstructions(operations: readonly OperationSpec[]): string {
  let text = written.get(operations);
  if (text === undefined) {
    text = writeInstructions(operations);
    written.set(operations, text);
  }
  return text;
}

function writeInstructions(operations: readonly OperationSpec[]): string {
  const reads = operations.filter((op) => annotationsFor(op).readOnlyHint === true);
  // Not idempotent: each call makes something new (a create); a repeat makes a second one.
  const creates = operations.filter((op) => annotationsFor(op).idempotentHint === false);
  const changes = reads.length < operations.length;
  const lines = [
    `${changes ? 'Manage' : 'Read'} the invitations of Clerk organizations as the signed-in user, who must be allowed to manage the organization's members (e.g. role org:admin).`,
    "Organization ids look like org_…, invitation ids like orginv_…. When the user names an organization rather than giving its id, read the resource clerk://organizations: it lists the organizations the signed-in user can manage (id, name, slug, role); match the name or slug there and use its id as organization_id.",
  ];
  if (reads.length > 0) {
    const listing = reads.map((op) => (hasParameter(op, 'status', 'query') ? `${op.name} (filter with status=pending)` : op.name)).join(' or ');
    lines.push(`To see what exists${changes ? ' before changing anything' : ''}, list invitations with ${listing}.`);
  }
  if (creates.length > 0) {
    const emails = creates.some((op) => hasParameter(op, 'notify', 'body')) ? ' emails the person unless notify is false;' : ':';
    const check = reads.length > 0 ? 'list first, an invitation may already exist' : 'an invitation may already exist';
    lines.push(`Creating an invitation (${names(creates)})${emails} never repeat a create that failed without an answer: ${check}.`);
  }
  return lines.join('\n');
}
