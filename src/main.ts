import { BUNDLED_CAPABILITY, loadCapability } from './capability/load.js';
import { ClerkClient } from './clerk/client.js';
import { HELP, parseCli } from './cli.js';
import { settingsFromEnv } from './config.js';
import { log, logUnhandledRejections } from './log.js';
import { createServer } from './server.js';
import { serveStdio } from './transports/stdio.js';
import { VERSION } from './version.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Runs the command line: help, version, or the stdio server (optionally against the sandbox). */
export async function main(argv: readonly string[], env: Env): Promise<void> {
  const cli = parseCli(argv, env);
  if (cli.help) return void process.stdout.write(HELP);
  if (cli.version) return void process.stdout.write(`${VERSION}\n`);

  // A broken capability file stops the server before anything starts.
  const capability = loadCapability(cli.capability ?? BUNDLED_CAPABILITY);
  let closeSandbox = async (): Promise<void> => undefined;
  let settings;
  if (cli.sandbox) {
    // Loaded only when asked for: the simulator is not needed to serve Clerk.
    const { startSandbox } = await import('./sandbox/simulator.js');
    const sandbox = await startSandbox();
    closeSandbox = () => sandbox.close();
    settings = settingsFromEnv({ ...env, CLERK_FRONTEND_API_URL: sandbox.url, CLERK_CLIENT_TOKEN: sandbox.clientToken, CLERK_SESSION_ID: sandbox.sessionId });
    log(`sandbox: simulated Clerk Frontend API at ${sandbox.url}, signed in as an admin of org_sandbox ("Sandbox Inc")`);
  } else {
    settings = settingsFromEnv(env);
  }

  const clerk = new ClerkClient(settings);
  logUnhandledRejections(clerk);
  if (!settings.clientToken) log('CLERK_CLIENT_TOKEN is not set: the tools will answer with an error until it is (README, "Getting a client token").');
  const server = createServer({ capability, clerk });
  await serveStdio(server, async () => {
    await closeSandbox();
    process.exit(0);
  });
}
