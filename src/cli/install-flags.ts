import { UsageError } from '../errors.js';
import { CLIENTS, type ClientId } from './install/clients.js';
import { nonEmpty, splitNames } from './option-values.js';

/** What `install` and `uninstall` were asked for (the switches only from flags: this shell's CLERK_READ_ONLY is not the client's). */
export interface InstallOptions {
  readonly client: ClientId;
  readonly name: string | undefined;
  readonly dryRun: boolean;
  readonly sandbox: boolean;
  readonly readOnly: boolean;
  readonly tools: readonly string[] | undefined;
}

/** The server's switches that `install` writes into the client's entry (so they are not the server's own there). */
export const INSTALLED_SWITCHES = ['tools', 'read-only', 'sandbox'];

/** The flags `install` and `uninstall` read. */
export interface InstallFlagValues {
  readonly 'dry-run': boolean;
  readonly name?: string | undefined;
  readonly sandbox: boolean;
  readonly 'read-only': boolean;
  readonly tools?: string[] | undefined;
}

/** The client and the entry's switches; throws a UsageError for an unknown client, a bad name or a switch uninstall has no use for. */
export function installOptions(command: 'install' | 'uninstall', client: string | undefined, values: InstallFlagValues): InstallOptions {
  if (client === undefined) throw new UsageError(`${command} needs a client: one of ${CLIENTS.join(', ')}. See --help.`);
  if (!CLIENTS.includes(client as ClientId)) throw new UsageError(`Unknown client '${client}': expected one of ${CLIENTS.join(', ')}. See --help.`);
  const name = values.name === undefined ? undefined : nonEmpty('--name', values.name);
  // Every client takes these in a server's name; Claude Code refuses others.
  if (name !== undefined && !/^[A-Za-z0-9_-]+$/.test(name)) throw new UsageError(`--name may hold only letters, digits, '-' and '_', not '${name}'.`);
  if (command === 'uninstall') {
    for (const flag of INSTALLED_SWITCHES) if (values[flag as keyof typeof values]) throw new UsageError(`--${flag} goes with install, not uninstall. See --help.`);
  }
  return { client: client as ClientId, name, dryRun: values['dry-run'], sandbox: values.sandbox, readOnly: values['read-only'], tools: values.tools && splitNames(values.tools) };
}
