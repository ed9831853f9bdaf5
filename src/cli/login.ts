import { createSignIn, listMemberships, signInStep, type SignIn, type SignInFactor } from '../clerk/account.js';
import { ClerkClient } from '../clerk/client.js';
import { ClerkApiError, signInRefusal, signInStatusProblem } from '../clerk/errors.js';
import { settingsFromEnv } from '../clerk/settings.js';
import { saveSignIn, signInWithTicket } from '../clerk/server-session.js';
import { CredentialStore, credentialsPath, type StoredCredentials } from '../credentials/store.js';
import { CommandError } from '../errors.js';
import { command } from '../invocation.js';
import { printable } from './printable.js';
import type { Prompter } from './prompt.js';
import { endSession, type SessionEnding } from './account.js';
import type { Env } from '../env.js';

export interface LoginOptions {
  readonly env: Env;
  readonly ticket: string | undefined;
  readonly identifier: string | undefined;
}

// Wrong passwords and codes may be typed again this many times in all, before giving up.
const TRIES = 3;
// Shorter answers are not remembered as secrets (see retyping).
const MIN_SECRET_LENGTH = 4;
// Refusals after which typing again can help.
const RETYPE = new Set(['form_password_incorrect', 'form_code_incorrect']);

const FIRST_FACTORS: Readonly<Record<string, (f: SignInFactor) => string>> = {
  password: () => 'password',
  email_code: (f) => `code sent by email${f.safeIdentifier ? ` to ${f.safeIdentifier}` : ''}`,
};
const SECOND_FACTORS: Readonly<Record<string, (f: SignInFactor) => string>> = {
  totp: () => 'code from your authenticator app',
  phone_code: (f) => `code sent by SMS${f.safeIdentifier ? ` to ${f.safeIdentifier}` : ''}`,
  email_code: (f) => `code sent by email${f.safeIdentifier ? ` to ${f.safeIdentifier}` : ''}`,
  backup_code: () => 'backup code',
};

/** `clerk-invitations-mcp login`: a native sign-in in the terminal (or with a ticket), saved for the server. */
export async function login(options: LoginOptions, terminal: Prompter): Promise<void> {
  // What is said carries what Clerk says (names, emails, roles, messages): escaped, as terminal escapes can hide there.
  const io: Prompter = { say: (line) => terminal.say(printable(line)), ask: (q) => terminal.ask(q), askSecret: (q) => terminal.askSecret(q), close: () => terminal.close() };
  if (terminal.choose) {
    const pick = terminal.choose.bind(terminal);
    io.choose = (title, options) => pick(printable(title), options.map(printable));
  }
  // The sign-in starts a client of its own: an existing CLERK_CLIENT_TOKEN plays no part.
  const settings = settingsFromEnv({ ...options.env, CLERK_CLIENT_TOKEN: undefined, CLERK_SESSION_ID: undefined });
  const store = new CredentialStore(credentialsPath(options.env));
  // An unsafe credentials file is reported before anyone types a password.
  store.get(settings.baseUrl);
  const clerk = new ClerkClient(settings);
  io.say(`Signing in to ${settings.baseUrl}`);
  for (const line of prerequisites()) io.say(line);
  let saved: StoredCredentials;
  // The sign-in this one replaces, as the file held it when this one was saved (its latest token).
  let replaced: StoredCredentials | undefined;
  try {
    if (options.ticket) {
      // `--ticket -`: read from stdin, so that the token is in no process list or shell history.
      const ticket = options.ticket === '-' ? (await io.askSecret('Sign-in token: ')).trim() : options.ticket;
      if (!ticket) throw new CommandError('login failed: no sign-in token given.');
      ({ saved, replaced } = await saveSignIn(clerk, store, await signInWithTicket(clerk, ticket)));
    } else {
      ({ saved, replaced } = await saveSignIn(clerk, store, await interactiveSignIn(clerk, io, options.identifier)));
    }
  } catch (error) {
    // Some carry what Clerk sent (a sign-in status, factor names).
    if (error instanceof CommandError) throw new CommandError(printable(error.message), error.exitCode, { cause: error.cause });
    throw new CommandError(printable(`login failed: ${clerk.redact(signInRefusal(error))}`), 1, { cause: error });
  }
  io.say(`Signed in as ${saved.email ?? saved.userId} (${saved.userId}), session ${saved.sessionId}.`);
  io.say(`Credentials saved to ${store.path}; the server uses them for ${settings.baseUrl}.`);
  if (options.env.CLERK_CLIENT_TOKEN?.trim()) io.say('Note: CLERK_CLIENT_TOKEN is set in this environment; where it is set, it comes before this sign-in.');
  if (replaced && replaced.clientToken !== saved.clientToken) io.say(describeReplaced(await endSession(settings, replaced.clientToken)));
  await reportOrganizations(clerk, io);
}

/** The sign-in this login replaced in the file is ended at Clerk, best effort: no token of it is left anywhere. */
function describeReplaced(ending: SessionEnding): string {
  if (ending.kind === 'ended') return 'Ended the previous sign-in\'s session at Clerk.';
  // Clerk no longer knows the token: the session had ended, or a running server rotated the token
  // after it was saved (then only that server holds the latest one).
  if (ending.kind === 'already-ended') return 'Clerk no longer knows the previous sign-in\'s token: its session had already ended (or a running server had just rotated it; then it ends when it expires).';
  return `Warning: could not end the previous sign-in's session at Clerk (${ending.why}); it stays valid until it expires or is revoked in the Clerk Dashboard.`;
}

async function interactiveSignIn(clerk: ClerkClient, io: Prompter, given: string | undefined): Promise<SignIn> {
  const identifier = given ?? (await io.ask('Email address or username: '));
  if (!identifier) throw new CommandError('login failed: no email address or username given.');
  let signIn = await createSignIn(clerk, { identifier });
  if (signIn.status === 'needs_first_factor') signIn = await firstFactor(clerk, io, signIn);
  // needs_client_trust: a known password on a new device, confirmed like a second factor.
  if (signIn.status === 'needs_second_factor' || signIn.status === 'needs_client_trust') {
    io.say(signIn.status === 'needs_client_trust' ? 'Clerk wants to confirm this new device.' : 'Your account has a second factor.');
    signIn = await secondFactor(clerk, io, signIn);
  }
  if (signIn.status !== 'complete') {
    throw new CommandError(`login failed: ${signInStatusProblem(signIn.status)}`);
  }
  return signIn;
}

async function firstFactor(clerk: ClerkClient, io: Prompter, signIn: SignIn): Promise<SignIn> {
  const factor = await choose(io, 'How do you want to sign in?', signIn.firstFactors, FIRST_FACTORS, 'first');
  if (factor.strategy === 'password') {
    return retyping(clerk, io, () => io.askSecret('Password: '), (password) => signInStep(clerk, signIn.id, 'attempt_first_factor', { strategy: 'password', password }));
  }
  await signInStep(clerk, signIn.id, 'prepare_first_factor', { strategy: factor.strategy, email_address_id: factor.emailAddressId });
  io.say(`A code was sent to ${factor.safeIdentifier ?? 'your email address'}.`);
  return retyping(clerk, io, () => io.ask('Code: '), (code) => signInStep(clerk, signIn.id, 'attempt_first_factor', { strategy: factor.strategy, code }));
}

async function secondFactor(clerk: ClerkClient, io: Prompter, signIn: SignIn): Promise<SignIn> {
  const factor = await choose(io, 'Which second factor?', signIn.secondFactors, SECOND_FACTORS, 'second');
  if (factor.strategy === 'phone_code' || factor.strategy === 'email_code') {
    await signInStep(clerk, signIn.id, 'prepare_second_factor', { strategy: factor.strategy, phone_number_id: factor.phoneNumberId, email_address_id: factor.emailAddressId });
    io.say(`A code was sent to ${factor.safeIdentifier ?? (factor.strategy === 'phone_code' ? 'your phone' : 'your email address')}.`);
  }
  const question = factor.strategy === 'backup_code' ? 'Backup code: ' : 'Code: ';
  return retyping(clerk, io, () => io.askSecret(question), (code) => signInStep(clerk, signIn.id, 'attempt_second_factor', { strategy: factor.strategy, code: code.trim() }));
}

/** What the instance must allow for a terminal sign-in (NOTES.md): said before anything is asked. */
function prerequisites(): string[] {
  return [
    'Needs: the Native API enabled on the instance (Clerk Dashboard → Native applications; Clerk warns it bypasses browser CAPTCHA).',
    `On applications created after 2025-11-14, Device Trust asks for an email or SMS code at each new login; an instance that offers only email links needs \`${command('login')} --ticket\`.`,
  ];
}

/** Picks one of the factors a terminal can handle: the only one, or the one the user chooses (default: the first). */
async function choose(io: Prompter, title: string, offered: readonly SignInFactor[], known: Readonly<Record<string, (f: SignInFactor) => string>>, which: string): Promise<SignInFactor> {
  const usable = offered.filter((f) => Object.hasOwn(known, f.strategy));
  const [first] = usable;
  if (!first) {
    const names = offered.map((f) => f.strategy).join(', ') || 'none';
    throw new CommandError(`login failed: this account offers no ${which} factor a terminal can use (offered: ${names}); sign in with a ticket (login --ticket) instead.`);
  }
  if (usable.length === 1) return first;
  if (io.choose) {
    const picked = usable[await io.choose(title, usable.map((f) => known[f.strategy]?.(f) ?? f.strategy))];
    if (!picked) throw new CommandError('login failed: no valid choice.');
    return picked;
  }
  io.say(title);
  usable.forEach((f, i) => io.say(`  ${i + 1}) ${known[f.strategy]?.(f) ?? f.strategy}`));
  for (let tries = 0; tries < TRIES; tries++) {
    const answer = await io.ask(`Choose 1-${usable.length} [1]: `);
    const picked = answer === '' ? first : usable[Number(answer) - 1];
    if (picked && /^\d*$/.test(answer)) return picked;
    io.say(`Type a number from 1 to ${usable.length}.`);
  }
  throw new CommandError('login failed: no valid choice.');
}

/**
 * Asks for a secret and sends it; after a wrong one, says so and asks again, up to TRIES times.
 * The secret is one of the client's before it is sent, so that an error echoing it is redacted.
 */
async function retyping(clerk: ClerkClient, io: Prompter, ask: () => Promise<string>, send: (answer: string) => Promise<SignIn>): Promise<SignIn> {
  for (let tries = 1; ; tries++) {
    const answer = await ask();
    if (!answer) throw new CommandError('login failed: nothing was typed.');
    // Not a slip of 1–3 characters: redacting it would garble every later message, and hide nothing.
    for (const secret of new Set([answer, answer.trim()])) if (secret.length >= MIN_SECRET_LENGTH) clerk.addSecret(secret);
    try {
      return await send(answer);
    } catch (error) {
      const retype = error instanceof ClerkApiError && error.errors.some((e) => RETYPE.has(e.code));
      if (!retype || tries >= TRIES) throw error;
      io.say(`${signInRefusal(error)} Try again.`);
    }
  }
}

/** After signing in: where this user can manage members, or a warning that they cannot anywhere. */
async function reportOrganizations(clerk: ClerkClient, io: Prompter): Promise<void> {
  let manageable;
  try {
    manageable = (await listMemberships(clerk)).filter((m) => m.canManageMembers);
  } catch (error) {
    io.say(`Could not list your organizations: ${clerk.redact(signInRefusal(error))}`);
    return;
  }
  if (manageable.length === 0) {
    io.say('Warning: this user may not manage members in any organization; the invitation tools will be refused (403). Sign in as an organization admin.');
    return;
  }
  io.say('Organizations where you can manage members:');
  for (const org of manageable) io.say(`  ${org.id}  ${org.name}  (${org.role})`);
}
