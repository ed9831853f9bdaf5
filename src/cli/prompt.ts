import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CommandError } from '../errors.js';

/** Questions for the person at the terminal. Answers come from stdin: a terminal, or a pipe. */
export interface Prompter {
  /** Writes a line of information (to stderr: stdout stays free for what a command prints as its result). */
  say(line: string): void;
  ask(question: string): Promise<string>;
  /** Like ask, but a terminal does not show what is typed. */
  askSecret(question: string): Promise<string>;
  /** One of `options` (its index), where the prompter can offer a list to pick from (a page's radio buttons); else login asks for a number. */
  choose?(title: string, options: readonly string[]): Promise<number>;
  close(): void;
}

/**
 * A prompter on stdin/stderr. On a terminal, secrets are read without echo; from a pipe, one line
 * is read per question (so scripts and tests can answer). Ctrl-C ends the command with exit code 130.
 */
export function terminalPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Prompter {
  let muted = false;
  // readline echoes what is typed to its output; while a secret is typed, that echo goes nowhere.
  const echo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const terminal = input.isTTY === true;
  // No history: the arrow keys at a later question must not bring back a password.
  const rl = createInterface({ input, output: echo, terminal, historySize: 0 });
  // Lines are queued as they arrive, so answers piped in all at once are not lost between questions.
  const lines = rl[Symbol.asyncIterator]();
  let interrupted: ((error: Error) => void) | undefined;
  let closed = false;
  rl.on('close', () => (closed = true));
  // Ctrl-C: a question gives up; while Clerk is being asked (no question open), the command ends.
  rl.on('SIGINT', () => {
    if (interrupted) interrupted(new CommandError('cancelled.', 130));
    else {
      output.write('\n');
      process.exit(130);
    }
  });

  const read = async (question: string, secret: boolean): Promise<string> => {
    rl.setPrompt(question);
    // Once piped input has ended, Node 22+ throws on prompt() though the lines piped before are still queued.
    if (closed) output.write(question);
    else rl.prompt();
    muted = secret && terminal;
    try {
      const next = await new Promise<IteratorResult<string>>((resolve, reject) => {
        interrupted = reject;
        lines.next().then(resolve, reject);
      });
      if (next.done) throw new CommandError(`no answer to "${question.replace(/[:\s]+$/, '')}": stdin ended.`);
      // A password may begin or end with spaces; only a line ending (\r from a terminal or a pipe) is dropped.
      return secret ? next.value.replace(/\r$/, '') : next.value.trim();
    } finally {
      interrupted = undefined;
      if (muted) output.write('\n');
      muted = false;
    }
  };

  return {
    say: (line) => void output.write(`${line}\n`),
    ask: (question) => read(question, false),
    askSecret: (question) => read(question, true),
    close: () => rl.close(),
  };
}
