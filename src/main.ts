import { bundledCapability } from './capability/bundled.js';
import { ClerkClient } from './clerk/client.js';
import { HELP, parseCli, type CliOptions } from './cli.js';
import { settingsFromEnv } from './config.js';
import { serverClerkClient } from './credentials/session.js';
import { CredentialStore, credentialsPath } from './credentials/store.js';
import { log, logUnhandledRejections } from './log.js';
import { createServer } from './server.js';
import { selectOperations } from './tools/select.js';
import { serveStdio } from './transports/stdio.js';
import { VERSION } from './version.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Runs the command line: help, version, a terminal command, or the stdio server (optionally against the sandbox). */
export async function main(argv: readonly string[], env: Env): Promise<void> {
  const cli = parseCli(argv, env);
  if (cli.help) return void process.stdout.write(HELP);
  if (cli.version) return void process.stdout.write(`${VERSION}\n`);
  // Terminal commands are loaded only when used: the server starts without them.
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  switch (cli.command) {
    case 'login': {
      const [{ login }, { terminalPrompter }] = await Promise.all([import('./commands/login.js'), import('./commands/prompt.js')]);
      const io = terminalPrompter();
      try {
        return await login({ env: cli.env, ticket: cli.ticket, identifier: cli.identifier }, io);
      } finally {
        io.close();
      }
    }
    case 'whoami':
      return (await import('./commands/account.js')).whoami(cli.env, print);
    case 'logout':
      return (await import('./commands/account.js')).logout(cli.env, print);
    case 'sandbox':
      return (await import('./commands/sandbox.js')).runSandbox(cli.port, print);
    case 'serve':
      return serve(cli);
  }
}

async function serve(cli: CliOptions): Promise<void> {
  const { env } = cli;
  // A broken capability file, or a tool selection that does not fit it, stops the server before anything starts.
  // The YAML parser is loaded only for a file given on the command line: the bundled capability comes precompiled.
  const loaded = cli.capability ? (await import('./capability/load.js')).loadCapability(cli.capability) : await bundledCapability();
  const capability = selectOperations(loaded, cli);
  if (capability.operations.length < loaded.operations.length) {
    log(`serving ${capability.operations.length} of ${loaded.operations.length} tools: ${capability.operations.map((op) => op.name).join(', ')}`);
  }
  let closeSandbox = async (): Promise<void> => undefined;
  let clerk: ClerkClient;
  if (cli.sandbox) {
    // Loaded only when asked for: the simulator is not needed to serve Clerk.
    const { startSandbox } = await import('./sandbox/simulator.js');
    const sandbox = await startSandbox();
    closeSandbox = () => sandbox.close();
    clerk = new ClerkClient(settingsFromEnv({ ...env, CLERK_FRONTEND_API_URL: sandbox.url, CLERK_CLIENT_TOKEN: sandbox.clientToken, CLERK_SESSION_ID: sandbox.sessionId }));
    log(`sandbox: simulated Clerk Frontend API at ${sandbox.url}, signed in as an admin of org_sandbox ("Sandbox Inc")`);
  } else {
    const settings = settingsFromEnv(env);
    const store = new CredentialStore(credentialsPath(env));
    const chosen = serverClerkClient(settings, store, env.CLERK_SIGN_IN_TICKET?.trim() || undefined);
    clerk = chosen.clerk;
    if (chosen.source === 'none') log(`not signed in to ${settings.baseUrl}: the tools will answer with an error until you run \`clerk-invitations-mcp login\` (or set CLERK_CLIENT_TOKEN).`);
  }
  logUnhandledRejections(clerk);
  const server = createServer({ capability, clerk, confirm: cli.confirm });
  await serveStdio(server, async () => {
    await closeSandbox();
    process.exit(0);
  });
}
