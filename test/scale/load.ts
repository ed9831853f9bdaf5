import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { oauthClient, type Era, type SandboxOAuthProvider } from '../helpers/oauth-client.js';
import type { TappedRequest } from './cluster.js';

// Many OAuth users calling the tools through nginx, each through the SDK v2 client, and the audit
// of what Clerk ended up with afterwards.

export const ORGANIZATION = 'org_sandbox';

export interface User {
  readonly index: number;
  readonly email: string;
  readonly era: Era;
  readonly client: Client;
  readonly provider: SandboxOAuthProvider;
}

/** `count` distinct admins (`admin+NN@sandbox.test`, which the sandbox creates on first sign-in), eras alternating. */
export async function signInUsers(url: URL, count: number, eras: readonly Era[]): Promise<User[]> {
  // A few at a time: each sign-in is discovery, registration, authorization and a token exchange.
  const users: User[] = [];
  for (let start = 0; start < count; start += 10) {
    const batch = Array.from({ length: Math.min(10, count - start) }, (_, i) => start + i);
    users.push(
      ...(await Promise.all(
        batch.map(async (index) => {
          const email = `admin+${String(index).padStart(2, '0')}@sandbox.test`;
          const era = eras[index % eras.length]!;
          // Sign-in is not what this test measures: a sign-in that failed (seen once in many runs: the
          // SDK's version probe got no usable answer through nginx under load) is tried once more, and
          // said on stderr, so that it is seen rather than hidden.
          const { client, provider } = await oauthClient(url, email, era).catch((error: unknown) => {
            process.stderr.write(`scale: sign-in of ${email} failed once (${error instanceof Error ? error.message : String(error)}); trying again\n`);
            return oauthClient(url, email, era);
          });
          return { index, email, era, client, provider };
        }),
      )),
    );
  }
  return users;
}

export type Tool = 'createOrganizationInvitations' | 'getOrganizationInvitations' | 'revokePendingOrganizationInvitation';

export interface Outcome {
  readonly user: number;
  readonly tool: Tool;
  /** The MCP answer was a success. */
  readonly ok: boolean;
  /** An answer came back (a result, success or tool error), as opposed to a transport failure. */
  readonly answered: boolean;
  readonly kind: string | undefined;
  readonly ms: number;
  readonly email?: string;
  readonly invitationId?: string;
}

export interface LoadOptions {
  readonly calls: number;
  /** Distinguishes this run's invitees from everything else in the organization. */
  readonly runId: string;
  /** Runs once, when this many calls have been answered or failed. */
  readonly midway?: { readonly after: number; readonly action: () => void };
  /** The first create issued after `midway` ran invites this email instead (e.g. one a tap kills on). */
  readonly markerEmail?: string;
}

/** What went wrong, in a few words that group alike failures (ids and addresses left out). */
function kindOf(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { data?: { status?: number } }).data?.status ?? (error as { status?: number }).status;
    // Without the HTML of nginx's error pages, ids and addresses: alike failures group together.
    const message = error.message
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .replace(/[\w.+-]+@[\w.-]+/g, '<email>').replace(/\b(orginv|user|org)_\w+/g, '<id>').slice(0, 120);
    return `${error.constructor.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`;
  }
  return String(error);
}

function toolErrorKind(result: CallToolResult): string {
  const text = result.content.find((block) => block.type === 'text')?.text ?? '';
  return `tool error: ${text.split('\n')[0]!.replace(/[\w.+-]+@[\w.-]+/g, '<email>').replace(/\b(orginv|user|org)_\w+/g, '<id>').slice(0, 140)}`;
}

/**
 * Drives `options.calls` tool calls spread over `users` (each user one call at a time, all users at
 * once): per user, creates with fresh emails (half), lists (three in ten), and revokes of an
 * invitation it created (two in ten; a list while it has none).
 */
export async function drive(users: readonly User[], options: LoadOptions): Promise<{ outcomes: Outcome[]; wallMs: number }> {
  const outcomes: Outcome[] = [];
  let midwayDone = false;
  let markerPending = options.markerEmail !== undefined;
  const perUser = users.map((_, u) => Math.floor(options.calls / users.length) + (u < options.calls % users.length ? 1 : 0));
  const started = performance.now();

  const run = async (user: User, count: number) => {
    const created: string[] = [];
    for (let k = 0; k < count; k++) {
      const slot = k % 10;
      let tool: Tool = slot % 2 === 0 ? 'createOrganizationInvitations' : slot === 3 || slot === 7 ? 'revokePendingOrganizationInvitation' : 'getOrganizationInvitations';
      if (tool === 'revokePendingOrganizationInvitation' && created.length === 0) tool = 'getOrganizationInvitations';
      let email: string | undefined;
      let invitationId: string | undefined;
      let args: Record<string, unknown>;
      if (tool === 'createOrganizationInvitations') {
        email = midwayDone && markerPending ? options.markerEmail! : `scale-${options.runId}-u${user.index}-c${k}@example.com`;
        if (email === options.markerEmail) markerPending = false;
        args = { organization_id: ORGANIZATION, email_address: email, role: 'org:member', notify: false };
      } else if (tool === 'revokePendingOrganizationInvitation') {
        invitationId = created.shift()!;
        args = { organization_id: ORGANIZATION, invitation_id: invitationId };
      } else {
        args = { organization_id: ORGANIZATION, status: 'pending', limit: 10 };
      }
      const t0 = performance.now();
      let outcome: Omit<Outcome, 'ms'>;
      try {
        const result = (await user.client.callTool({ name: tool, arguments: args })) as CallToolResult;
        const ok = result.isError !== true;
        if (ok && tool === 'createOrganizationInvitations') created.push((result.structuredContent as { id: string }).id);
        outcome = { user: user.index, tool, ok, answered: true, kind: ok ? undefined : toolErrorKind(result), ...(email && { email }), ...(invitationId && { invitationId }) };
      } catch (error) {
        outcome = { user: user.index, tool, ok: false, answered: false, kind: kindOf(error), ...(email && { email }), ...(invitationId && { invitationId }) };
      }
      outcomes.push({ ...outcome, ms: performance.now() - t0 });
      if (!midwayDone && options.midway && outcomes.length >= options.midway.after) {
        midwayDone = true;
        options.midway.action();
      }
    }
  };
  await Promise.all(users.map((user, u) => run(user, perUser[u]!)));
  return { outcomes, wallMs: performance.now() - started };
}

export interface Audit {
  readonly calls: number;
  readonly answered: number;
  readonly succeeded: number;
  readonly errorsByKind: Record<string, number>;
  readonly createsSucceeded: number;
  readonly createsErrored: number;
  /** Emails with more than one invitation in Clerk, or a create Clerk received more than once. */
  readonly duplicatedCreates: string[];
  /** Creates answered as a success whose invitation Clerk does not have. */
  readonly silentlyLostCreates: string[];
  /** Creates that failed for the client, yet Clerk has the invitation (the write got there, the answer did not come back). */
  readonly erroredButApplied: string[];
  /** Revokes answered as a success whose invitation is not revoked in Clerk. */
  readonly silentlyLostRevokes: string[];
  readonly throughputPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const quantile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** Compares what the clients were told with what Clerk has (`invitations`) and what Clerk received (`tapped`). */
export function audit(outcomes: readonly Outcome[], wallMs: number, invitations: readonly { id: string; email_address: string; status: string }[], tapped: readonly TappedRequest[]): Audit {
  const stored = new Map<string, number>();
  for (const invitation of invitations) stored.set(invitation.email_address, (stored.get(invitation.email_address) ?? 0) + 1);
  const received = new Map<string, number>();
  for (const request of tapped) if (request.email !== undefined) received.set(request.email, (received.get(request.email) ?? 0) + 1);
  const creates = outcomes.filter((o) => o.tool === 'createOrganizationInvitations');
  const emails = creates.map((o) => o.email!);
  const errorsByKind: Record<string, number> = {};
  for (const o of outcomes) if (!o.ok) errorsByKind[o.kind ?? 'unknown'] = (errorsByKind[o.kind ?? 'unknown'] ?? 0) + 1;
  const statusOf = new Map(invitations.map((i) => [i.id, i.status]));
  return {
    calls: outcomes.length,
    answered: outcomes.filter((o) => o.answered).length,
    succeeded: outcomes.filter((o) => o.ok).length,
    errorsByKind,
    createsSucceeded: creates.filter((o) => o.ok).length,
    createsErrored: creates.filter((o) => !o.ok).length,
    duplicatedCreates: emails.filter((email) => (stored.get(email) ?? 0) > 1 || (received.get(email) ?? 0) > 1),
    silentlyLostCreates: creates.filter((o) => o.ok && !stored.has(o.email!)).map((o) => o.email!),
    erroredButApplied: creates.filter((o) => !o.ok && stored.has(o.email!)).map((o) => o.email!),
    silentlyLostRevokes: outcomes.filter((o) => o.tool === 'revokePendingOrganizationInvitation' && o.ok && statusOf.get(o.invitationId!) !== 'revoked').map((o) => o.invitationId!),
    throughputPerSecond: outcomes.length / (wallMs / 1000),
    p50Ms: quantile(
      outcomes.map((o) => o.ms),
      0.5,
    ),
    p99Ms: quantile(
      outcomes.map((o) => o.ms),
      0.99,
    ),
  };
}
