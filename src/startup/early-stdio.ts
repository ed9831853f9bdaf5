import { earlyReply, type EarlyAnswers } from './early-answers.js';

/** What the early reader hands to the real transport: what it read and did not finish with. */
export interface Backlog {
  /** Lines to process in order (`initialize` among them, replayed), then `rest`, a partial line. */
  readonly lines: readonly string[];
  readonly rest: Buffer;
  /** Ids of the requests already answered (the replayed `initialize`): the server's answers to them are dropped. */
  readonly answered: ReadonlySet<string | number>;
  /** stdin has already ended. */
  readonly ended: boolean;
}

// Longer lines are not looked at early: the real transport reads (or refuses) them.
const MAX_EARLY_LINE = 64 * 1024;
// A client that never lists tools still gets the real server soon.
const IDLE_HANDOVER_MS = 200;

/**
 * Reads stdin from the very start of the process, before the MCP SDK is loaded, and answers the
 * opening `initialize` and `tools/list` from answers recorded at build time. It looks only at the
 * leading `initialize`, `notifications/initialized` and `tools/list` messages; at the first other
 * line (or once the tools are listed, or after a short wait) it asks for the real server
 * (`onReady`), and hands over everything else, unread, in order.
 */
export class EarlyStdio {
  readonly #answers: EarlyAnswers;
  readonly #tools: ReadonlySet<string>;
  readonly #lines: string[] = [];
  readonly #answered = new Set<string | number>();
  #pending: Buffer = Buffer.alloc(0);
  // Chunks read after the reader stopped looking: joined once, at the handover.
  readonly #unread: Buffer[] = [];
  #looking = true;
  #initialized = false;
  #ended = false;
  #ready: (() => void) | undefined;
  readonly #timer: NodeJS.Timeout;

  /** `tools`: the names served; `onReady` is called once, when the real server should be loaded. */
  constructor(answers: EarlyAnswers, tools: readonly string[], onReady: () => void) {
    this.#answers = answers;
    this.#tools = new Set(tools);
    this.#ready = onReady;
    this.#timer = setTimeout(() => this.#stopLooking(), IDLE_HANDOVER_MS);
    process.stdin.on('data', this.#onData);
    process.stdin.once('end', this.#onEnd);
    // Nothing is in flight yet: a stop request, or a client gone (EPIPE), can be obeyed at once.
    process.once('SIGTERM', exitNow);
    process.once('SIGINT', exitNow);
    process.stdin.on('error', exitNow);
    process.stdout.on('error', exitNow);
  }

  /** Stops reading and returns what the real transport must process first. */
  handover(): Backlog {
    clearTimeout(this.#timer);
    process.stdin.off('data', this.#onData);
    process.stdin.off('end', this.#onEnd);
    process.off('SIGTERM', exitNow);
    process.off('SIGINT', exitNow);
    process.stdin.off('error', exitNow);
    process.stdout.off('error', exitNow);
    return { lines: this.#lines, rest: Buffer.concat([this.#pending, ...this.#unread]), answered: this.#answered, ended: this.#ended };
  }

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#stopLooking();
  };

  readonly #onData = (chunk: Buffer): void => {
    if (!this.#looking) return void this.#unread.push(chunk);
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (this.#looking) {
      const end = this.#pending.indexOf(0x0a);
      if (end === -1) {
        if (this.#pending.length > MAX_EARLY_LINE) this.#stopLooking();
        return;
      }
      const line = this.#pending.subarray(0, end).toString('utf8');
      this.#pending = this.#pending.subarray(end + 1);
      this.#look(line);
    }
  };

  #look(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    const early = earlyReply(this.#answers, message, this.#tools, this.#initialized);
    if (early) {
      process.stdout.write(`${JSON.stringify(early.reply)}\n`);
      if (!early.replay) return this.#stopLooking(); // tools/list: the client is now waiting for nothing.
      this.#initialized = true;
      this.#answered.add((message as { id: string | number }).id);
      this.#lines.push(line);
      return;
    }
    if (isInitializedNotification(message)) {
      this.#lines.push(line);
      return;
    }
    // Anything else is the real server's: it and all that follows wait for it, in order.
    this.#lines.push(line);
    this.#stopLooking();
  }

  #stopLooking(): void {
    this.#looking = false;
    const ready = this.#ready;
    this.#ready = undefined;
    ready?.();
  }
}

const isInitializedNotification = (m: unknown): boolean =>
  typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'notifications/initialized' && !('id' in m);

const exitNow = (): never => process.exit(0);
