import type { McpServer } from '@modelcontextprotocol/server';
import type { Capability } from '../engine/model.js';
import { ClerkClient } from '../clerk/client.js';
import { ClerkApiError, ClerkRequestError } from '../clerk/errors.js';
import { clerkExecutor } from '../clerk/executor.js';
import { serverInstructions } from '../clerk/instructions.js';
import type { CliOptions } from './arguments.js';
import { settingsFromEnv, type ClerkSettings } from '../clerk/settings.js';
import { serverClerkClient } from '../clerk/server-session.js';
import { CredentialStore, credentialsPath } from '../credentials/store.js';
import { log, logUnhandledRejections } from '../log.js';
import { createServer, type ServerOptions } from '../mcp/server.js';
import type { SignInOffer } from '../mcp/sign-in-step.js';
import type { Env } from '../env.js';
import { pageTimeoutMs } from './web-login/timeout.js';
import { serveStdio } from '../mcp/stdio.js';
import { command } from '../invocation.js';

export interface ServeOptions {
  readonly cli: CliOptions;
  /** The operations to serve (after --read-only / --tools). */
  readonly capability: Capability;
  /** Checked settings; undefined with --sandbox, whose URL and token come from the simulator. */
  readonly settings: ClerkSettings | undefined;
}

/** The MCP server for `capability`, its tools run against Clerk by `clerk`, with Clerk's instructions. */
export function createClerkServer({ clerk, ...options }: Omit<ServerOptions, 'executor' | 'instructions'> & { readonly clerk: ClerkClient }): McpServer {
  return createServer({ ...options, executor: clerkExecutor(clerk), instructions: serverInstructions(options.capability.operations) });
}

/** The Clerk client the server acts through, with what to run once it has stopped. */
export interface ServingClerk {
  readonly clerk: ClerkClient;
  /** The `login --web` page offered when a tool is called with no usable sign-in (not with CLERK_CLIENT_TOKEN or the sandbox). */
  readonly signIn: SignInOffer | undefined;
  /** Waits for the credentials file to hold the latest token, and closes the sandbox. */
  readonly onClose: () => Promise<void>;
}

/**
 * The sign-in the server acts with, the same over stdio and HTTP: the sandbox's with --sandbox,
 * otherwise CLERK_CLIENT_TOKEN, a ticket (CLERK_SIGN_IN_TICKET) or the stored credentials.
 */
export async function servingClerk({ cli, settings }: Omit<ServeOptions, 'capability'>): Promise<ServingClerk> {
  const { env } = cli;
  let closeSandbox = async (): Promise<void> => undefined;
  // Rotated tokens are written back in the background: the file must hold the latest at exit.
  let writesSettled = async (): Promise<void> => undefined;
  let clerk: ClerkClient;
  let signIn: SignInOffer | undefined;
  if (!settings) {
    // Loaded only when asked for: the simulator is not needed to serve Clerk.
    const { startSandbox } = await import('../sandbox/simulator.js');
    const sandbox = await startSandbox();
    closeSandbox = () => sandbox.close();
    clerk = new ClerkClient(settingsFromEnv({ ...env, CLERK_FRONTEND_API_URL: sandbox.url, CLERK_CLIENT_TOKEN: sandbox.clientToken, CLERK_SESSION_ID: sandbox.sessionId }));
    log(`sandbox: simulated Clerk Frontend API at ${sandbox.url}, signed in as an admin of org_sandbox ("Sandbox Inc")`);
  } else {
    const store = new CredentialStore(credentialsPath(env));
    const chosen = serverClerkClient(settings, store, env.CLERK_SIGN_IN_TICKET?.trim() || undefined);
    clerk = chosen.clerk;
    writesSettled = () => store.settled();
    // CLERK_CLIENT_TOKEN comes first: a sign-in saved to the file would not be used.
    if (chosen.source !== 'CLERK_CLIENT_TOKEN') signIn = signInOffer(env, settings, clerk);
    if (chosen.source === 'none') log(`not signed in to ${settings.baseUrl}: the tools will answer with an error until you run \`${command('login')}\` (or set CLERK_CLIENT_TOKEN).`);
  }
  logUnhandledRejections(clerk);
  const onClose = async (): Promise<void> => {
    await writesSettled();
    await closeSandbox();
  };
  return { clerk, signIn, onClose };
}

/** The MCP server on stdio, with the MCP SDK: loaded by cli/main.ts once the settings are checked. */
export async function serve({ cli, capability, settings }: ServeOptions): Promise<void> {
  const { clerk, signIn, onClose } = await servingClerk({ cli, settings });
  // Once stopping, nothing more is sent to Clerk: calls still waiting are answered that nothing was sent.
  await serveStdio(() => createClerkServer({ capability, clerk, confirm: cli.confirm, signIn }), { onStop: () => clerk.stop(), onClose });
}

/**
 * For a tool called with no usable sign-in: the `login --web` page (the terminal login's steps,
 * saved to the credentials file, which `clerk` reads again on its next request). Loaded on first use.
 */
function signInOffer(env: Env, settings: ClerkSettings, clerk: ClerkClient): SignInOffer {
  // A wrong value stops the start, as every other setting does, rather than the first call that needs the page.
  pageTimeoutMs(env);
  return {
    needed: () => clerk.needsSignIn(),
    message: `Sign in to Clerk (${settings.baseUrl}) so that clerk-invitations-mcp can manage invitations for you. The call goes on once you have signed in.`,
    // Clerk refused the call as signed out (401, or an answer for another, signed-out client): it did
    // nothing for it (ClerkClient.request says why), and a new sign-in is what it needs.
    ended: (error) => (error instanceof ClerkApiError && error.status === 401) || (error instanceof ClerkRequestError && error.kind === 'signed-out' && !error.maybeApplied),
    howTo: `Sign in with \`${command('login --web')}\` (in a browser) or \`${command('login')}\` (in a terminal), then call the tool again.`,
    open: async () => {
      const { startLoginPage } = await import('./web-login/command.js');
      const page = await startLoginPage(env, undefined);
      return { url: page.url, finished: page.outcome.then((outcome) => outcome.kind === 'done') };
    },
  };
}
