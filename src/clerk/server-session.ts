import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { createSignIn, sessionUser, type SignIn } from './account.js';
import { ClerkClient, type ClerkCredentials } from './client.js';
import { signInRefusal } from './errors.js';
import type { ClerkSettings } from './settings.js';
import { log } from '../log.js';
import type { CredentialStore, StoredCredentials } from '../credentials/store.js';

/** Where the server's client token comes from. */
/** 'refused': the credentials file is unusable (its refusal is logged, and answered by every tool). */
export type CredentialSource = 'CLERK_CLIENT_TOKEN' | 'CLERK_SIGN_IN_TICKET' | 'credentials file' | 'none' | 'refused';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The Clerk client of the server, with its credentials from, in this order: CLERK_CLIENT_TOKEN
 * (kept in memory only); CLERK_SIGN_IN_TICKET, exchanged once in the background and saved; the
 * credentials file's entry for the host. Tokens that Clerk rotates are written back to the file.
 * With no credentials the client still works: every request answers how to sign in, and the file
 * is read again, so a `login` in a terminal takes effect without a restart.
 */
export function serverClerkClient(settings: ClerkSettings, store: CredentialStore, ticket: string | undefined): { clerk: ClerkClient; source: CredentialSource } {
  if (settings.clientToken) {
    if (ticket) log('CLERK_SIGN_IN_TICKET is ignored: CLERK_CLIENT_TOKEN is set, and comes first.');
    return { clerk: new ClerkClient(settings), source: 'CLERK_CLIENT_TOKEN' };
  }
  const host = settings.baseUrl;
  // Servers and commands sharing the file hand each other the latest token through it: each
  // re-reads it when it changed, and writes back its rotations (see CredentialStore.rotate).
  let seen = fileVersion(store.path);
  // The token the file holds for the host, as far as this process knows (read or written by it).
  // A rotation is written over it, not only over the token it replaces: after one failed
  // write-back the file still holds an older token of ours, and every later rotation must still
  // catch up. A token of someone else's (a new login, another process) is never this one.
  let inFile: string | undefined;
  const fromStore = (): ClerkCredentials | undefined => {
    seen = fileVersion(store.path);
    const entry = store.get(host);
    inFile = entry?.clientToken;
    return entry && { clientToken: entry.clientToken, sessionId: settings.sessionId ?? entry.sessionId };
  };
  // Write-backs one after the other, each with what the previous one left in the file.
  let writing = Promise.resolve();
  const clerk: ClerkClient = new ClerkClient(settings, {
    reloadCredentials: fromStore,
    credentialsChanged: () => fileVersion(store.path) !== seen,
    // Not awaited: the call goes on while the token is written back. The store applies this
    // process's writes in the order asked, so rotations land in the order Clerk made them; the
    // server waits for them before it exits (CredentialStore.settled).
    onTokenRotated: (token, previous) => {
      writing = writing.then(() =>
        store.rotate(host, inFile ?? previous, token).then(
          (rotated) => {
            if (!rotated) return;
            inFile = token;
            // Our own write-back is no news: no re-read before the next call for it.
            seen = fileVersion(store.path);
          },
          (error: unknown) => log(`could not save the rotated client token to ${store.path}: ${error instanceof Error ? error.message : String(error)}`, clerk),
        ),
      );
    },
  });
  let stored: StoredCredentials | undefined;
  try {
    stored = store.get(host);
  } catch (error) {
    // The server still starts: each tool call asks the file again and answers with its refusal
    // (the chmod, or moving it aside), so a fix takes effect without a restart.
    log(error instanceof Error ? error.message : String(error));
    return { clerk, source: 'refused' };
  }
  if (ticket) {
    clerk.addSecret(ticket);
    // A ticket is single use: after a restart, the entry it produced is used instead.
    if (stored?.ticketSha256 !== sha256(ticket)) {
      clerk.waitFor(exchangeTicketAtStart(settings, clerk, store, ticket, stored));
      return { clerk, source: 'CLERK_SIGN_IN_TICKET' };
    }
  }
  inFile = stored?.clientToken;
  if (stored) clerk.useCredentials({ clientToken: stored.clientToken, sessionId: settings.sessionId ?? stored.sessionId });
  return { clerk, source: stored ? 'credentials file' : 'none' };
}

async function exchangeTicketAtStart(settings: ClerkSettings, clerk: ClerkClient, store: CredentialStore, ticket: string, stored: StoredCredentials | undefined): Promise<void> {
  try {
    // A client of its own: the server's waits for this task, so it cannot be the one doing it. The
    // sign-in starts a new Clerk client, which has none of CLERK_SESSION_ID's sessions.
    const exchange = new ClerkClient({ ...settings, sessionId: undefined });
    const { saved } = await saveSignIn(exchange, store, await signInWithTicket(exchange, ticket), sha256(ticket));
    clerk.useCredentials({ clientToken: saved.clientToken, sessionId: settings.sessionId ?? saved.sessionId });
    log(`signed in with CLERK_SIGN_IN_TICKET; credentials saved to ${store.path}`);
  } catch (error) {
    const reason = `the sign-in ticket in CLERK_SIGN_IN_TICKET was not accepted: ${signInRefusal(error)}`;
    if (stored) {
      clerk.useCredentials({ clientToken: stored.clientToken, sessionId: settings.sessionId ?? stored.sessionId });
      log(`${reason} Using the credentials saved earlier instead.`, clerk);
    } else {
      clerk.setNoTokenReason(clerk.redact(reason));
      log(reason, clerk);
    }
  }
}

/**
 * A cheap fingerprint of the credentials file (a stat, no read): every write replaces it by a rename,
 * so a change of inode, size or times means another write. '' when it is missing.
 */
function fileVersion(path: string): string {
  try {
    const { ino, size, mtimeMs, ctimeMs } = statSync(path);
    return `${ino}:${size}:${mtimeMs}:${ctimeMs}`;
  } catch {
    return '';
  }
}

/** Exchanges a Backend-API sign-in token (`strategy=ticket`) for a client token and a session. */
export async function signInWithTicket(clerk: ClerkClient, ticket: string): Promise<SignIn> {
  clerk.addSecret(ticket);
  const signIn = await createSignIn(clerk, { strategy: 'ticket', ticket });
  if (signIn.status !== 'complete') throw new Error(`the ticket's sign-in is not complete (status ${signIn.status})`);
  return signIn;
}

/**
 * After a completed sign-in: looks up its user and saves the client token and session for the
 * host. `replaced` is the entry the file held when it was written (read under its lock): the
 * sign-in this one replaces, with its latest token.
 */
export async function saveSignIn(clerk: ClerkClient, store: CredentialStore, signIn: SignIn, ticketSha256?: string): Promise<{ saved: StoredCredentials; replaced: StoredCredentials | undefined }> {
  const sessionId = signIn.createdSessionId;
  const clientToken = clerk.clientToken;
  if (!sessionId || !clientToken) throw new Error('Clerk completed the sign-in without a session or a client token');
  clerk.useCredentials({ clientToken, sessionId });
  const user = await sessionUser(clerk, sessionId);
  // The lookup may have rotated the token: save the latest.
  const entry: StoredCredentials = {
    clientToken: clerk.clientToken ?? clientToken,
    sessionId,
    userId: user.userId,
    email: user.email,
    savedAt: new Date().toISOString(),
    ...(ticketSha256 ? { ticketSha256 } : {}),
  };
  const replaced = await store.set(clerk.baseUrl, entry);
  return { saved: entry, replaced };
}
