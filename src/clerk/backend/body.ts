import { annotationsFor } from '../../engine/annotations.js';
import type { OperationSpec } from '../../engine/model.js';
import type { FieldValue } from '../../engine/request.js';

type Fields = Readonly<Record<string, FieldValue>>;

/**
 * The JSON body of a Backend API write, acting as `userId`: the tool's body fields as one object,
 * plus `inviter_user_id` on a request that creates (Clerk records who invited) or
 * `requesting_user_id` on one that acts on an existing item (the revoke, which has no fields).
 * A list field (the bulk create's `email_address`) becomes the JSON array of one object per item
 * that the bulk endpoint takes, each with the other fields. With `privateMetadata`, a create
 * records it on each invitation. Undefined for a GET.
 */
export function jsonBody(op: OperationSpec, fields: Fields | undefined, userId: string, privateMetadata?: Readonly<Record<string, string>>): unknown {
  if (op.method === 'GET') return undefined;
  const creates = isCreate(op);
  const actor = creates ? { inviter_user_id: userId, ...(privateMetadata && { private_metadata: privateMetadata }) } : { requesting_user_id: userId };
  // The caller's fields first: the acting user is set last, so that no argument can replace it.
  const one = (extra: Fields = {}): Record<string, unknown> => ({ ...fields, ...extra, ...actor });
  const list = op.inputParameters.find((p) => p.in === 'body' && p.type === 'array');
  const items = list ? fields?.[list.name] : undefined;
  if (!list || !Array.isArray(items)) return one();
  return (items as readonly FieldValue[]).map((item) => one({ [list.name]: item }));
}

/** Whether `op` creates (a write that is not idempotent: sent twice, it invites twice). */
export function isCreate(op: OperationSpec): boolean {
  return op.method !== 'GET' && annotationsFor(op).idempotentHint === false;
}
