import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { command as named } from '../invocation.js';
import type { Env } from '../env.js';
import { COMMANDS, type Command } from './commands.js';
import { checkHttpFlags, httpOptions, type HttpOptions } from './http-flags.js';
import { INSTALLED_SWITCHES, installOptions, type InstallOptions } from './install-flags.js';
import { envSwitch, nonEmpty, parsePort, splitNames } from './option-values.js';

/** What the command line asked for (the HTTP options: see HttpOptions). */
export interface CliOptions extends HttpOptions {
  readonly command: Command;
  readonly help: boolean;
  readonly version: boolean;
  readonly sandbox: boolean;
  readonly capability: string | undefined;
  /** `login --ticket`: a sign-in token minted by Clerk's Backend API. */
  readonly ticket: string | undefined;
  /** `login --identifier`: skips the question. */
  readonly identifier: string | undefined;
  /** `login --web`: the sign-in asked on a page in the browser. */
  readonly web: boolean;
  /** `sandbox --port`, `--http --port`. */
  readonly port: number | undefined;
  /** `validate FILE`: the capability file to check. */
  readonly file: string | undefined;
  /** The environment with the flags that stand for variables applied (--publishable-key, --frontend-api-url). */
  readonly env: Env;
  /** Serve only the tools that change nothing. */
  readonly readOnly: boolean;
  /** Serve only these tools, and where the list came from (for error messages). */
  readonly tools: { readonly names: readonly string[]; readonly from: '--tools' | 'CLERK_TOOLS' } | undefined;
  /** Ask the user before destructive and bulk tools run, when the client can be asked. */
  readonly confirm: boolean;
  /** `install <client>` / `uninstall <client>`: the client, the entry's name, and the server's switches to write. */
  readonly install: InstallOptions | undefined;
}

// Flags that only make sense with one command.
const ONLY_WITH: Readonly<Record<string, Command>> = { ticket: 'login', identifier: 'login', tools: 'serve', capability: 'serve', http: 'serve' };

/** Parses the command line; throws a UsageError for unknown commands or flags and misplaced ones. */
export function parseCli(argv: readonly string[], env: Env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        sandbox: { type: 'boolean', default: false },
        capability: { type: 'string' },
        'publishable-key': { type: 'string' },
        'frontend-api-url': { type: 'string' },
        ticket: { type: 'string' },
        identifier: { type: 'string' },
        web: { type: 'boolean', default: false },
        port: { type: 'string' },
        http: { type: 'boolean' },
        host: { type: 'string' },
        'allowed-hosts': { type: 'string', multiple: true },
        hosted: { type: 'boolean' },
        'public-url': { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        tools: { type: 'string', multiple: true },
        'no-confirm': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        name: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}. See --help.`);
  }
  const { values, positionals } = parsed;
  const name = positionals[0];
  if (name !== undefined && !COMMANDS.includes(name as Command)) throw new UsageError(`Unknown command '${name}': expected one of ${COMMANDS.join(', ')}. See --help.`);
  const command = (name ?? 'serve') as Command;
  const installing = command === 'install' || command === 'uninstall';
  // install, uninstall and validate take one argument (the client, the capability file).
  const extra = positionals[installing || command === 'validate' ? 2 : 1];
  if (extra !== undefined) throw new UsageError(`Unexpected argument '${extra}'. See --help.`);
  if (command === 'validate' && !positionals[1]?.trim()) throw new UsageError(`validate needs the capability file to check: ${named('validate')} <file>. See --help.`);
  for (const [flag, owner] of Object.entries(ONLY_WITH)) {
    const where = owner === 'serve' ? 'the server (no command)' : `the ${owner} command`;
    if (installing && INSTALLED_SWITCHES.includes(flag)) continue;
    if (values[flag as keyof typeof values] !== undefined && command !== owner) throw new UsageError(`--${flag} goes with ${where}. See --help.`);
  }
  if (values.web && command !== 'login') throw new UsageError('--web goes with the login command. See --help.');
  if (values.web && values.ticket !== undefined) throw new UsageError('--web and --ticket are two ways to sign in: choose one. See --help.');
  checkHttpFlags(command, values, env);
  for (const flag of ['read-only', 'no-confirm'] as const) {
    if (installing && INSTALLED_SWITCHES.includes(flag)) continue;
    if (values[flag] && command !== 'serve') throw new UsageError(`--${flag} goes with the server (no command). See --help.`);
  }
  for (const flag of ['dry-run', 'name'] as const) {
    if (values[flag] && !installing) throw new UsageError(`--${flag} goes with install and uninstall. See --help.`);
  }
  // Read (and refused when unclear) only for the server, like the other switches: a server with a
  // key must never talk to real Clerk because CLERK_SANDBOX=on was misread as off.
  const sandbox = values.sandbox || (command === 'serve' && envSwitch(env, 'CLERK_SANDBOX', false));
  if (values.sandbox && command !== 'serve' && !installing) {
    throw new UsageError(`--sandbox starts the MCP server on its own simulator; to try ${command} without Clerk, run \`${named('sandbox')}\` in another terminal and follow what it prints.`);
  }
  return {
    command,
    help: values.help,
    version: values.version,
    sandbox: command === 'serve' && sandbox,
    capability: values.capability?.trim() || env.CLERK_CAPABILITY_FILE?.trim() || undefined,
    ticket: values.ticket === undefined ? undefined : nonEmpty('--ticket', values.ticket),
    identifier: values.identifier === undefined ? undefined : nonEmpty('--identifier', values.identifier),
    web: values.web,
    port: values.port === undefined ? undefined : parsePort(values.port),
    file: name === 'validate' ? positionals[1]?.trim() : undefined,
    ...httpOptions(command, values, env),
    env: {
      ...env,
      ...(values['publishable-key'] !== undefined ? { CLERK_PUBLISHABLE_KEY: values['publishable-key'] } : {}),
      ...(values['frontend-api-url'] !== undefined ? { CLERK_FRONTEND_API_URL: values['frontend-api-url'] } : {}),
    },
    // The server's switches: read (and refused when unclear) only when the server is what runs.
    readOnly: command === 'serve' && (values['read-only'] || envSwitch(env, 'CLERK_READ_ONLY', false)),
    tools:
      command !== 'serve'
        ? undefined
        : values.tools
          ? { names: splitNames(values.tools), from: '--tools' }
          : // An empty value, as client configs often leave it, means unset.
            env.CLERK_TOOLS?.trim()
            ? { names: splitNames([env.CLERK_TOOLS]), from: 'CLERK_TOOLS' }
            : undefined,
    confirm: command !== 'serve' || (!values['no-confirm'] && envSwitch(env, 'CLERK_CONFIRM', true)),
    install: installing ? installOptions(command, positionals[1], values) : undefined,
  };
}
