/** The sandbox's users and their credentials. Every code is the same, as in Clerk's test mode. */

/** Password of every sandbox user that can sign in. */
export const SANDBOX_PASSWORD = 'sandbox-password';
/** Every email, SMS and TOTP code the sandbox accepts (Clerk's test-mode code). */
export const SANDBOX_CODE = '424242';
/** The backup code of users with the `backup_code` second factor. It works once per sandbox, as Clerk's backup codes do. */
export const SANDBOX_BACKUP_CODE = 'sandbox-backup-code';

export type FirstFactor = 'password' | 'email_code';
export type SecondFactor = 'totp' | 'phone_code' | 'backup_code';

/** A user that can sign in to the sandbox. */
export interface SandboxUser {
  readonly id: string;
  readonly email: string;
  /** `idn_…` of the email address, as `email_address_id` in sign-in factors. */
  readonly emailAddressId: string;
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  /** `id` is the `phone_number_id`; `safeIdentifier` is how Clerk shows the number in factors. */
  readonly phone: { readonly id: string; readonly number: string; readonly safeIdentifier: string } | null;
  readonly firstFactors: readonly FirstFactor[];
  readonly secondFactors: readonly SecondFactor[];
}

/**
 * `admin` signs in with a password or an email code alone; `mfa` needs a second factor too.
 * Both are `org:admin` of `org_sandbox`; `admin` is also a basic member of `org_readonly`.
 * `member` is `org:member` of `org_sandbox`: signed in, but without `org:sys_memberships:manage`.
 */
export const SANDBOX_USERS = {
  admin: {
    id: 'user_sandbox_admin',
    email: 'admin@sandbox.test',
    emailAddressId: 'idn_sandbox_admin',
    username: 'sandbox-admin',
    firstName: 'Sandbox',
    lastName: 'Admin',
    phone: null,
    firstFactors: ['password', 'email_code'],
    secondFactors: [],
  },
  mfa: {
    id: 'user_sandbox_mfa',
    email: 'mfa@sandbox.test',
    emailAddressId: 'idn_sandbox_mfa_email',
    username: 'sandbox-mfa',
    firstName: 'Sandbox',
    lastName: 'MFA',
    phone: { id: 'idn_sandbox_mfa_phone', number: '+15555550100', safeIdentifier: '+1******0100' },
    firstFactors: ['password', 'email_code'],
    secondFactors: ['totp', 'phone_code', 'backup_code'],
  },
  member: {
    id: 'user_sandbox_member',
    email: 'member@sandbox.test',
    emailAddressId: 'idn_sandbox_member',
    username: 'sandbox-member',
    firstName: 'Sandbox',
    lastName: 'Member',
    phone: null,
    firstFactors: ['password', 'email_code'],
    secondFactors: [],
  },
} as const satisfies Record<string, SandboxUser>;

const USERS: readonly SandboxUser[] = Object.values(SANDBOX_USERS);

export const userById = (id: string): SandboxUser | undefined => USERS.find((u) => u.id === id);

/** Email address or username, case-insensitively, as Clerk matches identifiers. */
export function userByIdentifier(identifier: string): SandboxUser | undefined {
  const wanted = identifier.trim().toLowerCase();
  return USERS.find((u) => u.email === wanted || u.username === wanted);
}

/** `admin@sandbox.test` → `a***@sandbox.test`. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
