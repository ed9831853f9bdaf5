/**
 * Clerk's native sign-in: `POST /v1/client/sign_ins`, then prepare/attempt of the first and
 * second factor until the attempt is `complete` and the client holds a new session.
 */
import { requireClient } from './auth.js';
import { fail, type ClerkFailure } from './errors.js';
import { signInObject } from './objects.js';
import { Params } from './params.js';
import type { Context } from './routes.js';
import { fakeJwt, MINUTE_MS, newClient, newId, newSession, randomBase62, type Client, type SignIn, type SignInStatus, type State, type Strategy, type Verification } from './state.js';
import { SANDBOX_BACKUP_CODE, SANDBOX_CODE, SANDBOX_PASSWORD, userById, userByIdentifier, type SandboxUser } from './users.js';

const CODE_TTL_MS = 10 * MINUTE_MS;
const TICKET_TTL_MS = 10 * MINUTE_MS;
const MAX_CODE_ATTEMPTS = 3;
const MAX_PASSWORD_FAILURES = 5;
const LOCKOUT_MS = 30 * MINUTE_MS;
const SUPPORTED = ['password', 'email_code', 'ticket'] as const;
/** Strategies Clerk knows at sign-in creation but no sandbox user has: `strategy_for_user_invalid`, not a 422 on the value. */
const OTHER_CLERK_STRATEGIES = /^(?:phone_code|email_link|passkey|saml|enterprise_sso|google_one_tap|trusted_device|reset_password_(?:email|phone)_code|oauth_\w+|web3_\w+)$/;

/** Mints a single-use ticket, as Clerk's Backend API mints sign-in tokens. */
export function issueTicket(state: State, userId: string): string {
  const user = userById(userId);
  if (user === undefined) throw new Error(`No sandbox user '${userId}'; use one of SANDBOX_USERS.`);
  const now = Date.now();
  const ticket = fakeJwt({ sub: user.id, jti: randomBase62(20), iat: Math.floor(now / 1000) });
  state.tickets.set(ticket, { userId: user.id, expiresAt: now + TICKET_TTL_MS, used: false });
  return ticket;
}

function newSignIn(user: SandboxUser | undefined, identifier: string | null, status: SignInStatus): SignIn {
  return {
    id: newId('sia'),
    createdAt: Date.now(),
    user,
    identifier,
    status,
    firstFactor: null,
    secondFactor: null,
    verifications: new Map(),
    createdSessionId: null,
  };
}

function newVerification(strategy: Strategy, expires: boolean): Verification {
  return { strategy, status: 'unverified', attempts: 0, expireAt: expires ? Date.now() + CODE_TTL_MS : null };
}

const strategyInvalid = (strategy: string, allowed: readonly string[]): ClerkFailure =>
  fail(
    'strategy_for_user_invalid',
    `'${strategy}' is not a verification strategy this user can use at this step; use one of: ${allowed.join(', ') || 'none'}.`,
  );

// --- Lockout -------------------------------------------------------------------------------

function userLocked(lockedUntil: number): ClerkFailure {
  const seconds = Math.ceil((lockedUntil - Date.now()) / 1000);
  const longMessage = `Your account is locked. You will be able to try again in ${Math.ceil(seconds / 60)} minutes.`;
  return fail('user_locked', longMessage, { lockout_expires_in_seconds: seconds });
}

function assertNotLocked(state: State, user: SandboxUser): void {
  const lockout = state.lockouts.get(user.id);
  if (lockout === undefined || lockout.lockedUntil === 0) return;
  if (lockout.lockedUntil > Date.now()) throw userLocked(lockout.lockedUntil);
  state.lockouts.delete(user.id); // The lockout is over: counting starts again.
}

/** Wrong passwords count per user, across clients; the fifth locks the user out. */
function verifyPassword(state: State, user: SandboxUser, password: string): void {
  if (password === SANDBOX_PASSWORD) return;
  const lockout = state.lockouts.get(user.id) ?? { failures: 0, lockedUntil: 0 };
  lockout.failures += 1;
  state.lockouts.set(user.id, lockout);
  if (lockout.failures >= MAX_PASSWORD_FAILURES) {
    lockout.lockedUntil = Date.now() + LOCKOUT_MS;
    throw userLocked(lockout.lockedUntil);
  }
  throw fail('form_password_incorrect', 'Password is incorrect. Try again, or use another method.', { param_name: 'password' });
}

// --- Steps ---------------------------------------------------------------------------------

// Users whose one backup code is spent, per sandbox: each backup code works once, as on Clerk.
const spentBackupCodes = new WeakMap<State, Set<string>>();

function usedBackupCodes(state: State): Set<string> {
  let used = spentBackupCodes.get(state);
  if (used === undefined) spentBackupCodes.set(state, (used = new Set()));
  return used;
}

/** Checks one code against a prepared (or, for TOTP and backup codes, implicit) verification; `expected` undefined: no code is right. */
function attemptCode(verification: Verification | undefined, strategy: Strategy, code: string, expected: string | undefined): void {
  if (verification === undefined) {
    throw fail('verification_missing', `No ${strategy} verification was prepared for this sign-in attempt: prepare it first.`);
  }
  if (verification.status === 'failed') {
    const again = strategy === 'email_code' || strategy === 'phone_code' ? 'prepare it again, or use another method' : 'start a new sign-in, or use another method';
    throw fail('verification_failed', `Too many failed attempts. You have to try again: ${again}.`);
  }
  if (verification.expireAt !== null && Date.now() >= verification.expireAt) {
    verification.status = 'expired';
    throw fail('verification_expired', `The ${strategy} verification has expired: prepare it again.`);
  }
  verification.attempts = (verification.attempts ?? 0) + 1;
  if (code !== expected) {
    if (verification.attempts >= MAX_CODE_ATTEMPTS) verification.status = 'failed';
    throw fail('form_code_incorrect', 'Incorrect code', { param_name: 'code' });
  }
  verification.status = 'verified';
}

/** A session for the user; Clerk's attempt leaves the client once it completes. */
function complete(state: State, client: Client, signIn: SignIn, user: SandboxUser): void {
  const session = newSession(user, Date.now(), null, signIn.secondFactor !== null);
  client.sessions.push(session);
  client.lastActiveSessionId = session.id;
  client.lastAuthenticationStrategy = signIn.firstFactor?.strategy ?? null;
  signIn.status = 'complete';
  signIn.createdSessionId = session.id;
  client.signIn = null;
  state.lockouts.delete(user.id);
}

/** After a verified first factor: a second one if the user has any (tickets skip it), else done. */
function firstFactorVerified(state: State, client: Client, signIn: SignIn, user: SandboxUser): void {
  if (user.secondFactors.length > 0 && signIn.firstFactor?.strategy !== 'ticket') signIn.status = 'needs_second_factor';
  else complete(state, client, signIn, user);
}

function assertNotSignedIn(client: Client, user: SandboxUser): void {
  const session = client.sessions.find((s) => s.status === 'active' && s.user.id === user.id);
  if (session !== undefined) {
    throw fail('identifier_already_signed_in', `${user.email} is already signed in on this client.`, { session_id: session.id });
  }
}

function redeemTicket(state: State, value: string): SandboxUser {
  const ticket = state.tickets.get(value);
  const meta = { param_name: 'ticket' };
  const user = ticket === undefined ? undefined : userById(ticket.userId);
  if (ticket === undefined || user === undefined) throw fail('ticket_invalid_code', 'The ticket is invalid.', meta);
  if (ticket.used) throw fail('sign_in_token_already_used_code', 'This sign in token has already been used. Each token can only be used once.', meta);
  if (ticket.expiresAt <= Date.now()) throw fail('ticket_expired_code', 'The ticket has expired.', meta);
  return user;
}

// --- Handlers ------------------------------------------------------------------------------

/** `POST /v1/client/sign_ins`: replaces the client's attempt; without a client token, creates the client. */
export function createSignIn(ctx: Context): unknown {
  const form = new Params(ctx.form);
  form.rejectUnknown(['identifier', 'strategy', 'password', 'ticket']);
  const strategy = form.text('strategy', false);
  if (strategy !== undefined && !(SUPPORTED as readonly string[]).includes(strategy) && !OTHER_CLERK_STRATEGIES.test(strategy)) {
    form.valueInvalid('strategy', strategy, SUPPORTED);
  }
  const identifier = form.text('identifier', strategy === 'password' || strategy === 'email_code');
  const password = form.text('password', strategy === 'password');
  const ticket = form.text('ticket', strategy === 'ticket');
  if (strategy !== 'password' && password !== undefined) form.unknown('password', 'password is only used with strategy=password.');
  if (strategy !== 'ticket' && ticket !== undefined) form.unknown('ticket', 'ticket is only used with strategy=ticket.');
  form.check();

  // A new client is registered only if this request succeeds (see the pipeline).
  const client = ctx.client ?? newClient();
  ctx.client = client;
  const { state } = ctx;
  let signIn: SignIn;
  if (strategy === 'ticket') {
    const user = redeemTicket(state, ticket ?? '');
    assertNotLocked(state, user);
    assertNotSignedIn(client, user);
    signIn = newSignIn(user, user.email, 'needs_first_factor');
    signIn.firstFactor = { strategy: 'ticket', status: 'verified', attempts: null, expireAt: null };
    firstFactorVerified(state, client, signIn, user);
    const redeemed = state.tickets.get(ticket ?? '');
    if (redeemed !== undefined) redeemed.used = true;
  } else if (identifier === undefined) {
    if (strategy !== undefined) throw strategyInvalid(strategy, SUPPORTED);
    signIn = newSignIn(undefined, null, 'needs_identifier');
  } else {
    const user = userByIdentifier(identifier);
    if (user === undefined) {
      throw fail('form_identifier_not_found', "Couldn't find your account.", { param_name: 'identifier' });
    }
    assertNotLocked(state, user);
    assertNotSignedIn(client, user);
    const matched = user.email === identifier.trim().toLowerCase() ? user.email : user.username;
    signIn = newSignIn(user, matched, 'needs_first_factor');
    if (strategy === 'password' && user.firstFactors.includes('password')) {
      verifyPassword(state, user, password ?? '');
      signIn.firstFactor = { strategy: 'password', status: 'verified', attempts: null, expireAt: null };
      firstFactorVerified(state, client, signIn, user);
    } else if (strategy === 'email_code' && user.firstFactors.includes('email_code')) {
      // As on Clerk, creating with email_code also prepares it (sends the code).
      signIn.firstFactor = newVerification('email_code', true);
      signIn.verifications.set('email_code', signIn.firstFactor);
    } else if (strategy !== undefined) {
      throw strategyInvalid(strategy, user.firstFactors);
    }
  }
  if (signIn.status !== 'complete') client.signIn = signIn;
  return signInObject(signIn);
}

/** The attempt in the path, which must be the client's current one, in the expected status. */
function currentSignIn(ctx: Context, status: SignInStatus): { client: Client; signIn: SignIn; user: SandboxUser } {
  const client = requireClient(ctx);
  const id = ctx.params['sign_in_id'] ?? '';
  const signIn = client.signIn;
  if (signIn === null || signIn.id !== id) {
    throw fail('resource_not_found', `No sign-in attempt '${id}' is in progress on this client.`);
  }
  // Clerk's codes for a step taken in the wrong status are unconfirmed: a first factor verified
  // already, or a factor whose verification this attempt has not reached.
  if (signIn.status !== status || signIn.user === undefined) {
    const longMessage = `This sign-in attempt is ${signIn.status}; this step needs ${status}.`;
    throw fail(status === 'needs_first_factor' && signIn.firstFactor?.status === 'verified' ? 'verification_already_verified' : 'verification_missing', longMessage);
  }
  return { client, signIn, user: signIn.user };
}

export function prepareFirstFactor(ctx: Context): unknown {
  const { signIn, user } = currentSignIn(ctx, 'needs_first_factor');
  const form = new Params(ctx.form);
  form.rejectUnknown(['strategy', 'email_address_id']);
  const strategy = form.text('strategy', true);
  const emailAddressId = form.text('email_address_id', strategy === 'email_code');
  if (strategy === 'email_code' && emailAddressId !== undefined && emailAddressId !== user.emailAddressId) {
    form.valueInvalid('email_address_id', emailAddressId, [user.emailAddressId]);
  }
  if (strategy !== 'email_code' && emailAddressId !== undefined) form.unknown('email_address_id', 'email_address_id is only used with strategy=email_code.');
  form.check();
  assertNotLocked(ctx.state, user);
  if (strategy !== 'email_code' || !user.firstFactors.includes('email_code')) throw strategyInvalid(strategy ?? '', ['email_code']);
  signIn.firstFactor = newVerification('email_code', true);
  signIn.verifications.set('email_code', signIn.firstFactor);
  return signInObject(signIn);
}

export function attemptFirstFactor(ctx: Context): unknown {
  const { client, signIn, user } = currentSignIn(ctx, 'needs_first_factor');
  const form = new Params(ctx.form);
  form.rejectUnknown(['strategy', 'password', 'code']);
  const strategy = form.text('strategy', true);
  const password = form.text('password', strategy === 'password');
  const code = form.text('code', strategy === 'email_code');
  if (strategy !== 'password' && password !== undefined) form.unknown('password', 'password is only used with strategy=password.');
  if (strategy === 'password' && code !== undefined) form.unknown('code', 'code is not used with strategy=password.');
  form.check();
  assertNotLocked(ctx.state, user);
  if (strategy === 'password' && user.firstFactors.includes('password')) {
    signIn.firstFactor = { strategy: 'password', status: 'unverified', attempts: null, expireAt: null };
    verifyPassword(ctx.state, user, password ?? '');
    signIn.firstFactor.status = 'verified';
  } else if (strategy === 'email_code' && user.firstFactors.includes('email_code')) {
    const verification = signIn.verifications.get('email_code');
    if (verification !== undefined) signIn.firstFactor = verification;
    attemptCode(verification, strategy, code ?? '', SANDBOX_CODE);
  } else {
    throw strategyInvalid(strategy ?? '', user.firstFactors);
  }
  firstFactorVerified(ctx.state, client, signIn, user);
  return signInObject(signIn);
}

/** Only `phone_code` needs preparing; `phone_number_id` defaults to the user's phone, as on Clerk. */
export function prepareSecondFactor(ctx: Context): unknown {
  const { signIn, user } = currentSignIn(ctx, 'needs_second_factor');
  const form = new Params(ctx.form);
  form.rejectUnknown(['strategy', 'phone_number_id']);
  const strategy = form.text('strategy', true);
  const phoneNumberId = form.text('phone_number_id', false);
  if (strategy === 'phone_code' && phoneNumberId !== undefined && phoneNumberId !== user.phone?.id) {
    form.valueInvalid('phone_number_id', phoneNumberId, user.phone === null ? [] : [user.phone.id]);
  }
  if (strategy !== 'phone_code' && phoneNumberId !== undefined) form.unknown('phone_number_id', 'phone_number_id is only used with strategy=phone_code.');
  form.check();
  assertNotLocked(ctx.state, user);
  if (strategy !== 'phone_code' || !user.secondFactors.includes('phone_code')) {
    throw strategyInvalid(strategy ?? '', user.secondFactors.includes('phone_code') ? ['phone_code'] : []);
  }
  signIn.secondFactor = newVerification('phone_code', true);
  signIn.verifications.set('phone_code', signIn.secondFactor);
  return signInObject(signIn);
}

/**
 * `totp` and `backup_code` need no preparing: their verification starts at the first attempt and,
 * after 3 wrong codes, stays failed for the rest of this sign-in attempt.
 */
export function attemptSecondFactor(ctx: Context): unknown {
  const { client, signIn, user } = currentSignIn(ctx, 'needs_second_factor');
  const form = new Params(ctx.form);
  form.rejectUnknown(['strategy', 'code']);
  const strategy = form.text('strategy', true);
  const code = form.text('code', true);
  form.check();
  assertNotLocked(ctx.state, user);
  const factor = user.secondFactors.find((f) => f === strategy);
  if (factor === undefined) throw strategyInvalid(strategy ?? '', user.secondFactors);
  let verification = signIn.verifications.get(factor);
  if (verification === undefined && factor !== 'phone_code') {
    verification = newVerification(factor, false);
    signIn.verifications.set(factor, verification);
  }
  if (verification !== undefined) signIn.secondFactor = verification;
  // A used backup code is just a wrong one, as on Clerk.
  const expected = factor !== 'backup_code' ? SANDBOX_CODE : usedBackupCodes(ctx.state).has(user.id) ? undefined : SANDBOX_BACKUP_CODE;
  attemptCode(verification, factor, code ?? '', expected);
  if (factor === 'backup_code') usedBackupCodes(ctx.state).add(user.id);
  complete(ctx.state, client, signIn, user);
  return signInObject(signIn);
}
