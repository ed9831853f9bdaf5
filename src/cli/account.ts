import { endClientSessions, listMemberships, sessionUser } from '../clerk/account.js';
import { ClerkApiError, signInRefusal } from '../clerk/errors.js';
import { ClerkClient } from '../clerk/client.js';
import { settingsFromEnv, type ClerkSettings } from '../clerk/settings.js';
import { removeSalvaged, salvageEntry } from '../credentials/salvage.js';
import { serverClerkClient } from '../clerk/server-session.js';
import { CredentialStore, credentialsPath, type StoredCredentials } from '../credentials/store.js';
import { CommandError } from '../errors.js';
import { command, shellQuoted } from '../invocation.js';
import { printable } from './printable.js';
import type { Env } from '../env.js';

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
  } finally {
    // Tokens rotated by these calls are written back in the background: saved before the process exits.
    await store.settled();
  }
}

/**
 * `clerk-invitations-mcp logout`: ends the stored session at Clerk (`DELETE /v1/client`), then
 * forgets it. A refused or damaged credentials file is read anyway (it is our own file, and an
 * exposed token is when signing out matters most): the token is ended and its entry removed.
 */
export async function logout(env: Env, say: (line: string) => void): Promise<void> {
  const settings = settingsFromEnv({ ...env, CLERK_CLIENT_TOKEN: undefined, CLERK_SIGN_IN_TICKET: undefined });
  const store = new CredentialStore(credentialsPath(env));
  const host = settings.baseUrl;
  if (env.CLERK_CLIENT_TOKEN?.trim()) say('Note: CLERK_CLIENT_TOKEN is set in this environment; logout leaves it alone (only the stored sign-in is ended).');
  let stored: StoredCredentials | undefined;
  try {
    stored = store.get(host);
  } catch (error) {
    await logoutFromRefusedFile(settings, store.path, error instanceof Error ? error.message : String(error), say);
    return;
  }
  if (!stored) {
    say(`Not signed in to ${host}: nothing stored in ${store.path}.`);
    return;
  }
  say(describeEnding(await endSession(settings, stored.clientToken), host));
  await store.delete(host);
  say(`Removed the credentials for ${host} from ${store.path}.`);
}

async function logoutFromRefusedFile(settings: ClerkSettings, path: string, refusal: string, say: (line: string) => void): Promise<void> {
  const host = settings.baseUrl;
  const salvaged = salvageEntry(path, host);
  if (salvaged.kind === 'unreadable') {
    throw new CommandError(`logout could not read a client token for ${host} from ${path} (${salvaged.reason}), so no session was ended at Clerk; the file was left as it is. Remove it with: rm ${shellQuoted(path)}`);
  }
  if (salvaged.kind === 'no-entry') {
    say(`Not signed in to ${host}: ${path} holds no sign-in for it. That file has a problem, though: ${refusal}`);
    return;
  }
  say(`${path} is not in order, but logout read the sign-in for ${host} from it anyway.`);
  say(describeEnding(await endSession(settings, salvaged.clientToken), host));
  try {
    say(await removeSalvaged(path, host, salvaged.otherHosts));
  } catch (error) {
    // The session is ended; the file still holds other hosts' sign-ins, which must not go with it.
    throw new CommandError(`logout ended the session but could not remove the entry for ${host} from ${path} (${error instanceof Error ? error.message : String(error)}); the file was left as it is, with its other sign-ins. Its token for ${host} no longer works: remove that entry by hand, or the whole file (rm ${shellQuoted(path)}) and sign in again to the others.`, 1, { cause: error });
  }
}

/** What became of a stored sign-in's sessions at Clerk; `failed` says why in one redacted phrase. */
export type SessionEnding = { readonly kind: 'ended' } | { readonly kind: 'already-ended' } | { readonly kind: 'failed'; readonly why: string };

/** Ends the sessions of a client token at Clerk (`DELETE /v1/client`), best effort. Also used by `login` for the sign-in it replaces. */
export async function endSession(settings: ClerkSettings, clientToken: string): Promise<SessionEnding> {
  // No credential source: a stale answer must not send it looking for other tokens to end.
  const clerk = new ClerkClient({ ...settings, clientToken: undefined, sessionId: undefined });
  clerk.useCredentials({ clientToken, sessionId: undefined });
  try {
    return { kind: await endClientSessions(clerk) };
  } catch (error) {
    return { kind: 'failed', why: clerk.redact(signInRefusal(error)).replace(/\.$/, '') };
  }
}

function describeEnding(ending: SessionEnding, host: string): string {
  if (ending.kind === 'ended') return `Signed out of ${host}: Clerk ended the session.`;
  if (ending.kind === 'already-ended') return `The session at ${host} had already ended.`;
  // Clerk's refusal is its own text: escaped, as whoami's lines are.
  return `Warning: could not end the session at Clerk (${printable(ending.why)}); it stays valid until it expires or is revoked in the Clerk Dashboard.`;
}
