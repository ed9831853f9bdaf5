import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import type { CliOptions } from '../arguments.js';
import { DEFAULT_ENTRY_NAME, runInstall } from './command.js';

/** `install <client>` / `uninstall <client>` from the command line, on this machine, for this copy of the server. */
export async function install(action: 'install' | 'uninstall', cli: CliOptions, print: (line: string) => void): Promise<void> {
  const options = cli.install;
  if (!options) throw new Error(`${action} without its options`);
  await runInstall(
    {
      action,
      ...options,
      name: options.name ?? DEFAULT_ENTRY_NAME,
      machine: { platform: process.platform, home: homedir(), env: cli.env },
      node: process.execPath,
      // The file itself, not the link npm made to it (node_modules/.bin), which moves with the working directory.
      bin: realpathSync(process.argv[1] ?? ''),
    },
    print,
  );
}
