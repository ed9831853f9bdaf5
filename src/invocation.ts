import { basename, isAbsolute, relative } from 'node:path';

/** What the package's bin is called once installed (npx, npm i -g, a node_modules/.bin link). */
export const BIN_NAME = 'clerk-invitations-mcp';

/** Quoted for a POSIX shell, so that a path with spaces or quotes pastes as one word. */
export const shellQuoted = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** Quoted for a POSIX shell only when needed: a plain path reads better bare. */
export const shellWord = (word: string): string => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : shellQuoted(word));

/**
 * The command a person types to run this program again, as it was started this time, so that a
 * message naming a command (`… login`) can be pasted as it is: the bin's name when started through
 * it, otherwise `node <script>` — relative to the working directory when the script is below it
 * (`node dist/index.js` from a checkout), absolute otherwise. A server started by an MCP client
 * runs in the client's working directory, not the user's terminal's: pass `absolute` there.
 */
export function commandName(options: { absolute?: boolean } = {}, argv: readonly string[] = process.argv, cwd: string = process.cwd()): string {
  const script = argv[1];
  if (!script || basename(script) === BIN_NAME) return BIN_NAME;
  const below = relative(cwd, script);
  const shown = !options.absolute && below && !below.startsWith('..') && !isAbsolute(below) ? below : script;
  return `node ${shellWord(shown)}`;
}

// The server names commands with an absolute path; the terminal commands, as typed from here.
let absolute = false;
// The server's Frontend API, for the commands its messages name: the user's terminal has none of
// the MCP client's environment (CLERK_PUBLISHABLE_KEY is set in the client's config).
let instance = '';

/** Chooses how messages name commands for the rest of this process (main sets it once). */
export function nameCommandsAbsolutely(value: boolean): void {
  absolute = value;
}

/** The server's Frontend API URL: commands its messages name then carry `--frontend-api-url`. */
export function nameCommandsFor(frontendApiUrl: string): void {
  instance = ` --frontend-api-url ${shellWord(frontendApiUrl)}`;
}

/** `commandName()` followed by a subcommand, e.g. `node dist/index.js login`: for messages. */
export const command = (subcommand: string): string => `${commandName({ absolute })} ${subcommand}${instance}`;
