import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { bundledCapability } from '../../engine/bundled.js';
import { selectOperations } from '../../engine/select.js';
import { CommandError } from '../../errors.js';
import { command, nameCommandsFor, shellWord } from '../../invocation.js';
import { claudeAddArgs, claudeAddJsonArgs, claudeRemoveArgs, findOnPath, runClaude, type IsExecutable } from './claude-cli.js';
import { clientConfig, type ClientConfig, type ClientId, type Machine } from './clients.js';
import { currentEntry, editServers, maskOtherValues } from './config-text.js';
import { INSTALL_ENV_KEYS, mergedEntry, serverEntry, type ServerEntry } from './entry.js';
import { backupConfig, readConfig, writeConfig } from './files.js';

/** What `install <client>` / `uninstall <client>` was asked to do. */
export interface InstallRequest {
  readonly action: 'install' | 'uninstall';
  readonly client: ClientId;
  /** The entry's name in the client's config. */
  readonly name: string;
  readonly dryRun: boolean;
  /** The server's switches to write into the entry (install only). */
  readonly sandbox: boolean;
  readonly readOnly: boolean;
  readonly tools: readonly string[] | undefined;
  /** The OS, home folder and environment (with --publishable-key / --frontend-api-url applied). */
  readonly machine: Machine;
  /** This Node and this package's bin, which the entry runs. */
  readonly node: string;
  readonly bin: string;
  /** For tests: the clock of the backup's name, and how PATH is searched for `claude`. */
  readonly now?: () => Date;
  readonly isExecutable?: IsExecutable;
}

export const DEFAULT_ENTRY_NAME = 'clerk-invitations';

/** Installs or uninstalls the server in one client's config, saying on `say` what it did and what comes next. */
export async function runInstall(request: InstallRequest, say: (line: string) => void): Promise<void> {
  const config = clientConfig(request.client, request.machine);
  const claude = request.client === 'claude-code' ? claudeExecutable(request, say) : undefined;
  if (request.action === 'uninstall') {
    if (claude) return uninstallWithClaude(request, config, claude, say);
    return void editFile(request, config, undefined, say);
  }

  // An unknown tool name, or one that --read-only excludes, would stop the server inside the client: refused now.
  if (request.tools) selectOperations(await bundledCapability(), { readOnly: request.readOnly, tools: { names: request.tools, from: '--tools' } });
  const { entry, frontendApi } = serverEntry({ ...request, env: request.machine.env });
  // So that the `login` named below signs in to the instance just installed.
  if (frontendApi) nameCommandsFor(frontendApi);
  const done = claude ? await installWithClaude(request, config, entry, claude, say) : editFile(request, config, entry, say);
  if (!done) return;
  // What the client will run, settings taken from this shell included, so that a stray one shows.
  const settings = Object.entries(entry.env).map(([name, value]) => `${name}=${value}`);
  say(`The client will run: ${[entry.command, ...entry.args].map(shellWord).join(' ')}${settings.length ? ` with ${settings.join(', ')}` : ''}`);
  say('');
  say(`Next: ${restartAdvice(request.client)}`);
  if (frontendApi) say(`Sign in once, if you have not yet, in a terminal: ${command('login')}`);
  // npx runs packages from a cache that npm clears at will: the entry would then point nowhere.
  if (/[\\/]_npx[\\/]/.test(request.bin)) say(`Note: this copy runs from npx's cache (${request.bin}), which npm may clear. For a lasting install: npm install -g clerk-invitations-mcp, then run install again.`);
}

/** The edit as a JSON file edit. Returns whether anything was (or, dry, would be) written. */
function editFile(request: InstallRequest, config: ClientConfig, entry: ServerEntry | undefined, say: (line: string) => void): boolean {
  const file = readConfig(config.file);
  const value = entry && mergedEntry(currentEntry(config.file, file.text, config, request.name), { ...config.extraFields, ...entry });
  const text = editServers(config.file, file.text, config, request.name, value);
  if (text === file.text) {
    say(
      entry
        ? `${config.file} already has "${request.name}" as it would be written: nothing changed.`
        : `${config.file} has no server "${request.name}"${file.bytes ? '' : ' (the file does not exist)'}: nothing to remove.`,
    );
    return false;
  }
  const verb = !entry ? 'Removed' : currentEntry(config.file, file.text, config, request.name) === undefined ? ('Added' as const) : ('Updated' as const);
  if (request.dryRun) {
    // The "Index:" and "===" lines that jsdiff puts first are not part of a unified diff.
    // Other servers' values (their tokens) are masked in the lines shown around the change.
    const masked = (t: string): string => maskOtherValues(t, config, request.name);
    say(createTwoFilesPatch(file.bytes ? config.file : '/dev/null', config.file, masked(file.text), masked(text)).replace(/^(Index: .*\n)?=+\n/, '').trimEnd());
    say(`Dry run: this would ${{ Added: 'add', Updated: 'update', Removed: 'remove' }[verb]} "${request.name}" in ${config.file}; nothing was written. (Other values in the file are shown as "…".)`);
    return false;
  }
  const backup = writeConfig(file, text, (request.now ?? (() => new Date()))());
  say(`${verb} "${request.name}" ${entry ? 'in' : 'from'} ${config.title}'s config ${file.path}${backup ? ` (the previous file is saved as ${backup})` : ' (a new file)'}.`);
  // Claude Code keeps this file in memory and writes it back: an open session could undo the edit.
  if (request.client === 'claude-code') say('Claude Code rewrites this file while it runs: if a session was open, check with /mcp in a new one, and run this again if the server is missing.');
  if (!entry) say(`Next: ${restartAdvice(request.client)}`);
  return true;
}

/** Claude Code's own CLI, when it is on PATH and can be run without a shell; otherwise its file is edited. */
function claudeExecutable(request: InstallRequest, say: (line: string) => void): string | undefined {
  const found = findOnPath('claude', request.machine.env, request.machine.platform, request.isExecutable);
  // An npm shim on Windows (claude.cmd) runs only through cmd.exe, whose quoting would mangle arguments.
  if (found && /\.(cmd|bat)$/i.test(found)) {
    say(`Found ${found}, a script that needs cmd.exe: editing Claude Code's config file instead of running it.`);
    return undefined;
  }
  return found;
}

async function installWithClaude(request: InstallRequest, config: ClientConfig, entry: ServerEntry, claude: string, say: (line: string) => void): Promise<boolean> {
  const file = readConfig(config.file);
  const current = currentEntry(config.file, file.text, config, request.name);
  const merged = mergedEntry(current, { ...config.extraFields, ...entry });
  // `claude mcp add` writes env: {} when there is none: compared as it stores it.
  if (isDeepStrictEqual(current, merged)) {
    say(`Claude Code (${config.file}) already has "${request.name}" as it would be added: nothing changed.`);
    return false;
  }
  if (current === undefined) return runClaudeCommands(request, config, claude, [claudeAddArgs(request.name, entry)], 'Added', say);
  // The user's own env values (tokens, say) would go on `claude mcp add-json`'s command line, which
  // other local users can read while it runs: the file is edited instead.
  if (hasOwnEnv(current)) {
    say(`"${request.name}" holds environment values of your own, which \`claude mcp add-json\` would show on its command line: editing ${config.file} instead.`);
    return editFile(request, config, entry, say);
  }
  // `claude mcp add` refuses a name that exists: an update is a remove, then an add (add-json, so
  // that the user's own fields stay); should the add fail, the previous entry is put back.
  return runClaudeCommands(request, config, claude, [claudeRemoveArgs(request.name), claudeAddJsonArgs(request.name, merged)], 'Updated', say, claudeAddJsonArgs(request.name, current));
}

/** Whether the entry's env has values install did not write. */
function hasOwnEnv(current: unknown): boolean {
  const env = typeof current === 'object' && current !== null ? (current as { env?: unknown }).env : undefined;
  return typeof env === 'object' && env !== null && Object.keys(env).some((name) => !INSTALL_ENV_KEYS.includes(name));
}

async function uninstallWithClaude(request: InstallRequest, config: ClientConfig, claude: string, say: (line: string) => void): Promise<void> {
  const file = readConfig(config.file);
  if (currentEntry(config.file, file.text, config, request.name) === undefined) {
    say(`Claude Code (${config.file}) has no user-scope server "${request.name}": nothing to remove.`);
    return;
  }
  if (await runClaudeCommands(request, config, claude, [claudeRemoveArgs(request.name)], 'Removed', say)) say(`Next: ${restartAdvice(request.client)}`);
}

/** Runs `runs` in turn; when one after the first fails, runs `restore` (which puts back what the first removed) and says so. */
async function runClaudeCommands(request: InstallRequest, config: ClientConfig, claude: string, runs: readonly string[][], verb: string, say: (line: string) => void, restore?: readonly string[]): Promise<boolean> {
  // add-json's entry may hold the user's own env values (tokens): not shown.
  const shown = (args: readonly string[]): string => [claude, ...(args[1] === 'add-json' ? [...args.slice(0, -1), '{…}'] : args)].map(shellWord).join(' ');
  if (request.dryRun) {
    say('Dry run: would run');
    for (const args of runs) say(`  ${shown(args)}`);
    say('nothing was run.');
    return false;
  }
  // claude rewrites its file itself: the bytes it had are saved first all the same.
  const backup = backupConfig(readConfig(config.file), (request.now ?? (() => new Date()))());
  for (const [step, args] of runs.entries()) {
    const run = await runClaude(claude, args, request.machine.env);
    if (run.code === 0) continue;
    const failed = `\`${shown(args)}\` failed (exit ${run.code})${run.output ? `: ${run.output}` : ''}`;
    if (step === 0 || !restore) throw new CommandError(failed);
    const restored = await runClaude(claude, restore, request.machine.env);
    throw new CommandError(
      restored.code === 0
        ? `${failed}. The previous "${request.name}" entry, removed just before, was put back as it was (\`claude mcp add-json\`): nothing changed.`
        : `${failed}. The previous "${request.name}" entry was removed just before, and putting it back failed too (exit ${restored.code})${restored.output ? `: ${restored.output}` : ''}: it is missing now.${backup ? ` ${config.file} as it was is saved as ${backup}.` : ''}`,
    );
  }
  say(`${verb} "${request.name}" ${verb === 'Removed' ? 'from' : 'in'} Claude Code's user scope with \`claude mcp\`${backup ? ` (${config.file} was saved first as ${backup})` : ''}.`);
  return true;
}

function restartAdvice(client: ClientId): string {
  switch (client) {
    case 'claude-desktop':
      return 'quit Claude Desktop completely (not just its window) and start it again; the tools appear under the server\'s name.';
    case 'claude-code':
      return 'start a new Claude Code session; /mcp lists the server.';
    case 'cursor':
      return 'restart Cursor, or turn the server on in Cursor Settings → MCP.';
    case 'vscode':
      return 'in VS Code, run "MCP: List Servers" and start the server (or reload the window).';
  }
}
