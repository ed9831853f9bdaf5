import { endClientSessions, listMemberships, sessionUser } from '../clerk/account.js';
import { ClerkApiError, signInRefusal } from '../clerk/errors.js';
import { settingsFromEnv } from '../config.js';
import { serverClerkClient } from '../credentials/session.js';
import { CredentialStore, credentialsPath } from '../credentials/store.js';
import { CommandError } from '../errors.js';
import { command } from '../invocation.js';
import { printable } from './printable.js';

type Env = Readonly<Record<string, string | undefined>>;

/** `clerk-invitations-mcp whoami`: the host, user, session and manageable organizations, on stdout. */
export async function whoami(env: Env, print: (line: string) => void): Promise<void> {
  // Every line carries what Clerk says (names, emails, roles): escaped, as terminal escapes can hide there.
  const out = (line: string): void => print(printable(line));
  const settings = settingsFromEnv(env);
  const store = new CredentialStore(credentialsPath(env));
  // An unusable credentials file is reported with its own fix (a chmod, moving it aside), as login
  // does, rather than "not signed in: run login", which would refuse the same file.
  if (!settings.clientToken) store.get(settings.baseUrl);
  // The same credentials the server would use, in the same order.
  const { clerk, source } = serverClerkClient(settings, store, undefined);
  if (source === 'none') throw new CommandError(`not signed in to ${settings.baseUrl}: run \`${command('login')}\`.`);
  try {
    const user = await sessionUser(clerk, clerk.sessionId);
    const memberships = await listMemberships(clerk);
    const manageable = memberships.filter((m) => m.canManageMembers);
    out(`Host:          ${settings.baseUrl}`);
    out(`User:          ${user.email ?? user.username ?? user.userId} (${user.userId})`);
    out(`Session:       ${user.sessionId} (${user.sessionStatus})`);
    out(`Credentials:   ${source === 'credentials file' ? `${source} ${store.path}` : source}`);
    out(manageable.length ? 'Organizations where you can manage members:' : 'Organizations where you can manage members: none (the invitation tools will be refused).');
    const width = Math.max(0, ...manageable.map((m) => m.id.length));
    for (const m of manageable) out(`  ${m.id.padEnd(width)}  ${m.name}  (${m.role})`);
    const others = memberships.length - manageable.length;
    if (others > 0) out(`Also a member of ${others} organization(s) without permission to manage members.`);
  } catch (error) {
    const hint = error instanceof ClerkApiError && error.status === 401 ? ` Sign in again with \`${command('login')}\`.` : '';
    throw new CommandError(printable(`whoami failed: ${clerk.redact(signInRefusal(error))}${hint}`), 1, { cause: error });
  }
}

/** `clerk-invitations-mcp logout`: ends the stored session at Clerk, then forgets it. */
export async function logout(env: Env, say: (line: string) => void): Promise<void> {
  const settings = settingsFromEnv({ ...env, CLERK_CLIENT_TOKEN: undefined, CLERK_SIGN_IN_TICKET: undefined });
  const store = new CredentialStore(credentialsPath(env));
  const { clerk, source } = serverClerkClient(settings, store, undefined);
  if (env.CLERK_CLIENT_TOKEN?.trim()) say('Note: CLERK_CLIENT_TOKEN is set in this environment; logout leaves it alone (only the stored sign-in is ended).');
  if (source === 'none') {
    say(`Not signed in to ${settings.baseUrl}: nothing stored in ${store.path}.`);
    return;
  }
  try {
    await endClientSessions(clerk);
    say(`Signed out of ${settings.baseUrl}.`);
  } catch (error) {
    // Already signed out (401) is what logout wanted; anything else leaves a session alive at Clerk.
    if (error instanceof ClerkApiError && error.status === 401) say(`The session at ${settings.baseUrl} had already ended.`);
    else say(`Warning: could not end the session at Clerk (${clerk.redact(signInRefusal(error))}); it stays valid until it expires or is revoked in the Clerk Dashboard.`);
  }
  store.delete(settings.baseUrl);
  say(`Removed the credentials for ${settings.baseUrl} from ${store.path}.`);
}
