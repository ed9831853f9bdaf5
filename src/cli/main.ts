import { setFlagsFromString } from 'node:v8';
import { bundledBackendCapability, bundledCapability } from '../engine/bundled.js';
import { parseCli, type CliOptions } from './arguments.js';
import { nameCommandsAbsolutely, nameCommandsFor } from '../invocation.js';
import { settingsFromEnv } from '../clerk/settings.js';
import { log } from '../log.js';
import { selectOperations } from '../engine/select.js';
import { VERSION } from '../version.js';
import type { Env } from '../env.js';
import { UsageError } from '../errors.js';

/** Runs the command line: help, version, a terminal command, or the stdio server (optionally against the sandbox). */
export async function main(argv: readonly string[], env: Env): Promise<void> {
  const cli = parseCli(argv, env);
  // The help text is read only when asked for: the server starts without it.
  if (cli.help) return void process.stdout.write((await import('./help.js')).helpText());
  // A server runs in its MCP client's working directory: its messages name commands by absolute path.
  nameCommandsAbsolutely(cli.command === 'serve');
  if (cli.version) return void process.stdout.write(`${VERSION}\n`);
  // Terminal commands are loaded only when used: the server starts without them.
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  // A terminal command's reader may stop reading early (`validate FILE | head`): the command still
  // finishes what it does (a logout still ends the session and rewrites the file), its output is dropped.
  if (cli.command !== 'serve') process.stdout.on('error', (error: NodeJS.ErrnoException) => void (error.code === 'EPIPE' || process.stderr.write(`clerk-invitations-mcp: cannot write to stdout: ${error.message}\n`)));
  switch (cli.command) {
    case 'login': {
      if (cli.web) return (await import('./web-login/command.js')).loginWeb(cli.env, cli.identifier, (line) => void process.stderr.write(`${line}\n`));
      const [{ login }, { terminalPrompter }] = await Promise.all([import('./login.js'), import('./prompt.js')]);
      const io = terminalPrompter();
      try {
        return await login({ env: cli.env, ticket: cli.ticket, identifier: cli.identifier }, io);
      } finally {
        io.close();
      }
    }
    case 'whoami':
      return (await import('./account.js')).whoami(cli.env, print);
    case 'logout':
      return (await import('./account.js')).logout(cli.env, print);
    case 'sandbox':
      return (await import('./sandbox.js')).runSandbox(cli.port, print, cli.env);
    case 'install':
    case 'uninstall':
      return (await import('./install/run.js')).install(cli.command, cli, print);
    case 'validate':
      return (await import('./validate.js')).validate(cli.file ?? '', print);
    case 'serve':
      return serve(cli);
  }
}

async function serve(cli: CliOptions): Promise<void> {
  // Desktop clients run a server per window, for hours: V8 then keeps its heap small (a flag
  // V8 reads as it goes, so setting it now works) at a small cost in speed. BENCHMARKS.md.
  // Not over HTTP: one process serves many requests, each building a server, and more frequent
  // garbage collection costs throughput there (BENCHMARKS.md, the HTTP table).
  if (!cli.http) setFlagsFromString('--optimize-for-size');
  const { env } = cli;
  if (cli.hosted) {
    const capability = selectOperations(await bundledBackendCapability(), cli);
    return (await import('./serve-hosted.js')).serveHosted(cli, capability);
  }
  // A broken capability file, a tool selection that does not fit it, or a wrong setting stops the
  // server before it answers anything. The YAML parser is loaded only for a file given on the
  // command line: the bundled capability comes precompiled.
  const loaded = cli.capability ? (await import('../engine/load.js')).loadCapability(cli.capability) : await bundledCapability();
  const capability = selectOperations(loaded, cli);
  if (capability.operations.length < loaded.operations.length) {
    log(`serving ${capability.operations.length} of ${loaded.operations.length} tools: ${capability.operations.map((op) => op.name).join(', ')}`);
  }
  // A capability that is not Clerk's Frontend API is served as plain HTTP: no Clerk settings.
  if (capability.profile === 'http') {
    const apis = (capability.services ?? []).map((s) => s.namespace).join(', ');
    if (cli.sandbox) throw new UsageError(`--sandbox simulates Clerk's Frontend API; ${capability.file} calls another API (${apis}).`);
    // Fail closed rather than serve stdio when HTTP was asked for.
    if (cli.http) throw new UsageError(`--http serves Clerk capabilities only, so far; ${capability.file} calls another API (${apis}): serve it over stdio (without --http).`);
    return (await import('./serve-rest.js')).serveRest(capability, env, cli.confirm);
  }
  // With --sandbox, the URL and token come from the simulator; the other settings are checked now all the same.
  const settings = cli.sandbox ? void settingsFromEnv({ ...env, CLERK_FRONTEND_API_URL: 'http://127.0.0.1' }) : settingsFromEnv(env);
  // So that `… login` in a tool's answer signs in to this server's instance when pasted in a terminal.
  if (settings) nameCommandsFor(settings.baseUrl);
  if (cli.http) return (await import('./serve-http.js')).serveLocalHttp({ cli, capability, settings });
  const { serve: serveMcp } = await import('./serve.js');
  await serveMcp({ cli, capability, settings });
}
