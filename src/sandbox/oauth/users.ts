/**
 * Who a `login_hint` signs in: a sandbox user by email, or, for load tests that need many distinct
 * users, `admin+<tag>@sandbox.test` / `member+<tag>@sandbox.test`, created on first use as an
 * `org:admin` / `org:member` of `org_sandbox`, with an id derived from the address (stable across sandboxes).
 */
import { createHash } from 'node:crypto';
import type { Role, State } from '../state.js';
import { newId } from '../state.js';
import { SANDBOX_USERS, userByIdentifier, userById, type SandboxUser } from '../users.js';
import type { OAuthState } from './state.js';

const TAGGED = /^(admin|member)\+([a-z0-9._-]{1,64})@sandbox\.test$/;
const ORGANIZATION_OF_TAGGED_USERS = 'org_sandbox';

/** A sandbox user by id, the tagged ones created by a sign-in included. */
export const findUser = (oauth: OAuthState, id: string): SandboxUser | undefined => userById(id) ?? oauth.users.get(id);

/** The user a `login_hint` names, creating a tagged one on first use; undefined for anyone else. */
export function userForLoginHint(state: State, oauth: OAuthState, hint: string): SandboxUser | undefined {
  const email = hint.trim().toLowerCase();
  const fixed = userByIdentifier(email);
  if (fixed !== undefined && fixed.email === email) return fixed;
  const match = TAGGED.exec(email);
  if (match === null) return undefined;
  const [, kind, tag] = match;
  // `user_` and 27 word characters, the shape of Clerk's user ids (the Backend API spec's pattern).
  const id = `user_${createHash('sha256').update(email).digest('hex').slice(0, 27)}`;
  const existing = oauth.users.get(id);
  if (existing !== undefined) return existing;
  const template = kind === 'admin' ? SANDBOX_USERS.admin : SANDBOX_USERS.member;
  const user: SandboxUser = {
    id,
    email,
    emailAddressId: `idn_${id.slice('user_'.length)}`,
    username: `sandbox-${kind ?? 'member'}-${(tag ?? '').replace(/[^a-z0-9-]/g, '-')}`,
    firstName: template.firstName,
    lastName: `${template.lastName} ${tag ?? ''}`,
    phone: null,
    // They exist for OAuth sign-ins only: the Frontend API's sign-in does not know them.
    firstFactors: [],
    secondFactors: [],
  };
  const role: Role = kind === 'admin' ? 'org:admin' : 'org:member';
  state.orgs.get(ORGANIZATION_OF_TAGGED_USERS)?.members.set(email, { id: newId('orgmem'), role, createdAt: Date.now() });
  oauth.users.set(id, user);
  return user;
}
