import { SANDBOX_SIGN_IN } from './help.js';
import { CommandError } from '../errors.js';
import { sandboxOptionsFromEnv, startSandbox, type Sandbox, type SandboxEnvOptions } from '../sandbox/simulator.js';
import type { Env } from '../env.js';
import { command } from '../invocation.js';

export const DEFAULT_SANDBOX_PORT = 4599;

/** `clerk-invitations-mcp sandbox`: the simulator on its own, until Ctrl-C or SIGTERM, to sign in to from another terminal. */
export async function runSandbox(port: number | undefined, out: (line: string) => void, env: Env = {}): Promise<void> {
  const sandbox = await listen(port ?? DEFAULT_SANDBOX_PORT, env);
  out(`Clerk sandbox (a simulated Frontend API) at ${sandbox.url}; Ctrl-C stops it.`);
  out('');
  out('Sign in from another terminal, then check:');
  out(`  ${command('login')} --frontend-api-url ${sandbox.url}`);
  out(`  ${command('whoami')} --frontend-api-url ${sandbox.url}`);
  out(`Or without prompts, with a single-use sign-in ticket for admin@sandbox.test:`);
  out(`  ${command('login')} --frontend-api-url ${sandbox.url} --ticket ${sandbox.issueSignInTicket()}`);
  out(`MCP clients then run the server with CLERK_FRONTEND_API_URL=${sandbox.url}.`);
  out('');
  out(`OAuth authorization server (issuer): ${sandbox.url}  (metadata: ${sandbox.url}/.well-known/oauth-authorization-server;`);
  out('  /oauth/authorize signs in the user named by login_hint, e.g. admin@sandbox.test or member@sandbox.test)');
  out(`Backend API: ${sandbox.backendApiUrl}`);
  out(`Backend API secret key (a sandbox-only value, not a Clerk secret): ${sandbox.secretKey}`);
  out(`Publishable key naming this host: ${sandbox.publishableKey}`);
  out('');
  out(SANDBOX_SIGN_IN);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}

/** Starts the sandbox; a port it cannot have is one line naming --port, not a stack trace. */
async function listen(port: number, env: Env): Promise<Sandbox> {
  let fromEnv: SandboxEnvOptions;
  try {
    fromEnv = sandboxOptionsFromEnv(env);
  } catch (error) {
    throw new CommandError((error as Error).message, 1, { cause: error });
  }
  try {
    return await startSandbox({ port, ...fromEnv });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const choose = 'choose another with --port <n>, or --port 0 for any free port.';
    if (code === 'EADDRINUSE') throw new CommandError(`port ${port} is in use: ${choose}`, 1, { cause: error });
    if (code === 'EACCES') throw new CommandError(`port ${port} needs privileges this user does not have: ${choose}`, 1, { cause: error });
    throw error;
  }
}
