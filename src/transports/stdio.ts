import { Writable, type Readable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../log.js';
import type { Backlog } from '../startup/early-stdio.js';

/** Longest message line read (8 MiB); a longer one is skipped and answered with a parse error. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** How long a stopping server waits for the calls in flight to be answered. */
export const SHUTDOWN_GRACE_MS = 5_000;
/**
 * Most calls to Clerk (tools/call, resources/read) handed to the server at once; more wait here, as
 * small parsed messages, until one is answered. A burst of thousands then costs kilobytes each
 * instead of a whole call's worth of promises, schemas and buffers in the server.
 */
export const MAX_DISPATCHED_CALLS = 32;
// Requests that end in a call to Clerk; the others (ping, tools/list…) are never held back.
const GATED = new Set(['tools/call', 'resources/read']);

const keyOf = (id: RequestId): string => `${typeof id}:${id}`;
const isRequestId = (v: unknown): v is RequestId => typeof v === 'string' || Number.isSafeInteger(v);

/**
 * MCP over newline-delimited JSON on stdin/stdout, sturdier than the SDK's StdioServerTransport,
 * which closes for good on a line over 10 MB and answers nothing to a line it cannot read.
 * Here a bad line gets its JSON-RPC error (parse error, invalid request) and the next line is read
 * as usual; a line over MAX_LINE_BYTES is skipped without being held in memory. The transport
 * also knows which requests await an answer, so that a shutdown can wait for them (`drain`).
 */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #maxLineBytes: number;
  readonly #takeBacklog: (() => Backlog) | undefined;
  // Requests answered before the server ran (startup/early-stdio.ts): the server's own answers are dropped.
  #answeredEarly = new Set<string | number>();
  #line: Buffer[] = [];
  #lineBytes = 0;
  #skipping = false;
  readonly #awaiting = new Set<string>();
  readonly #maxDispatched: number;
  // Gated requests handed to the server and not yet answered, and those waiting for their turn.
  readonly #dispatched = new Set<string>();
  readonly #held: (JSONRPCMessage & { id: RequestId })[] = [];
  #draining = false;
  #drained: (() => void) | undefined;
  #closed = false;

  /** `takeBacklog`: what an earlier reader of stdin read and left (taken at start, when this transport starts reading). */
  constructor(
    stdin: Readable = process.stdin,
    stdout: Writable = process.stdout,
    options: { maxLineBytes?: number; maxDispatched?: number; takeBacklog?: (() => Backlog) | undefined } = {},
  ) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.#maxDispatched = options.maxDispatched ?? MAX_DISPATCHED_CALLS;
    this.#takeBacklog = options.takeBacklog;
  }

  /** stdin ended before this transport started. */
  ended = false;

  /** Requests received and not yet answered. */
  get awaiting(): number {
    return this.#awaiting.size;
  }

  /** Calls to Clerk waiting for their turn to reach the server. */
  get held(): number {
    return this.#held.length;
  }

  async start(): Promise<void> {
    // What was read before the server ran comes first, in order; the earlier reader lets go of stdin
    // just as this one takes it, in the same tick, so that no chunk falls between the two.
    const backlog = this.#takeBacklog?.();
    this.#stdin.on('data', this.#onData);
    if (backlog) {
      this.#answeredEarly = new Set(backlog.answered);
      this.ended = backlog.ended;
      for (const line of backlog.lines) this.#onData(Buffer.from(`${line}\n`));
      if (backlog.rest.length) this.#onData(backlog.rest);
    }
    this.#stdin.on('error', this.#onError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if ('id' in message && !('method' in message) && isRequestId(message.id)) {
      this.#awaiting.delete(keyOf(message.id));
      this.#finished(keyOf(message.id));
      if (this.#answeredEarly.delete(message.id)) {
        // Answered before the server ran; the client already has its answer. A refusal now means
        // the early answer judged a malformed initialize acceptable: say so where it can be seen.
        if ('error' in message) log(`the server refused an initialize request that was answered early: ${message.error.message}`);
        return this.#checkDrained();
      }
    }
    await this.#write(message);
    this.#checkDrained();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stdin.off('data', this.#onData);
    this.#stdin.off('error', this.#onError);
    this.#stdin.pause();
    this.#drained?.();
    this.onclose?.();
  }

  /**
   * Stops taking requests (new ones are answered "shutting down"; notifications such as
   * cancellations still pass) and resolves once every request received has been answered, or
   * after `graceMs`, with the number still unanswered.
   */
  async drain(graceMs: number): Promise<number> {
    this.#draining = true;
    if (this.#awaiting.size > 0 && !this.#closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#awaiting.size;
  }

  readonly #onError = (error: Error): void => this.onerror?.(error);

  readonly #onData = (chunk: Buffer): void => {
    for (let start = 0; ; ) {
      const end = chunk.indexOf(0x0a, start);
      this.#append(chunk.subarray(start, end === -1 ? chunk.length : end));
      if (end === -1) return;
      this.#endLine();
      start = end + 1;
    }
  };

  #append(piece: Buffer): void {
    if (this.#skipping || piece.length === 0) return;
    this.#lineBytes += piece.length;
    if (this.#lineBytes <= this.#maxLineBytes) {
      this.#line.push(piece);
      return;
    }
    this.#skipping = true;
    this.#line = [];
  }

  #endLine(): void {
    const skipped = this.#skipping;
    const line = skipped ? '' : Buffer.concat(this.#line, this.#lineBytes).toString('utf8');
    this.#line = [];
    this.#lineBytes = 0;
    this.#skipping = false;
    if (skipped) return this.#refuse(undefined, ErrorCode.ParseError, `Parse error: message longer than ${this.#maxLineBytes} bytes, skipped`);
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.#refuse(undefined, ErrorCode.ParseError, 'Parse error: the line is not JSON');
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = typeof value === 'object' && value !== null && 'id' in value && isRequestId(value.id) ? value.id : undefined;
      return this.#refuse(id, ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response');
    }
    this.#receive(parsed.data);
  }

  #receive(message: JSONRPCMessage): void {
    if ('method' in message && 'id' in message) {
      if (this.#draining) return this.#refuse(message.id, ErrorCode.ConnectionClosed, 'Server is shutting down: no new requests are taken');
      this.#awaiting.add(keyOf(message.id));
      if (GATED.has(message.method)) {
        if (this.#dispatched.size >= this.#maxDispatched) return void this.#held.push(message);
        this.#dispatched.add(keyOf(message.id));
      }
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // A cancelled request gets no answer (MCP), so it no longer holds up a shutdown; one still
      // held is dropped here, and the server never sees it.
      const id = message.params?.requestId;
      if (isRequestId(id)) {
        const key = keyOf(id);
        this.#awaiting.delete(key);
        const at = this.#held.findIndex((m) => keyOf(m.id) === key);
        if (at !== -1) this.#held.splice(at, 1);
        this.#finished(key);
      }
      queueMicrotask(() => this.#checkDrained());
    }
    this.onmessage?.(message);
  }

  /** A gated request was answered or cancelled: the next held one, if any, goes to the server. */
  #finished(key: string): void {
    if (!this.#dispatched.delete(key)) return;
    const next = this.#held.shift();
    if (!next) return;
    this.#dispatched.add(keyOf(next.id));
    this.onmessage?.(next);
  }

  // JSON-RPC wants `id: null` when the id is unknown; MCP's schema leaves the id out instead.
  #refuse(id: RequestId | undefined, code: number, message: string): void {
    const error: JSONRPCMessage = { jsonrpc: '2.0', ...(id === undefined ? {} : { id }), error: { code, message } };
    this.#write(error).catch((e: unknown) => this.onerror?.(e instanceof Error ? e : new Error(String(e))));
  }

  #write(message: JSONRPCMessage): Promise<void> {
    if (this.#stdout.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.#stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.#stdout.once('drain', resolve);
    });
  }

  #checkDrained(): void {
    if (this.#draining && this.#awaiting.size === 0) this.#drained?.();
  }
}

/**
 * Serves the MCP server over stdin/stdout until stdin ends or the process is told to stop
 * (SIGTERM, SIGINT); then lets the calls in flight finish, for up to `graceMs`, and runs
 * `onClose` once. A second signal ends the process at once. stdout carries protocol messages only.
 */
export async function serveStdio(server: McpServer, onClose: () => Promise<void>, takeBacklog?: () => Backlog, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  const out = batched(process.stdout);
  const transport = new StdioTransport(process.stdin, out, { takeBacklog });
  let closing = false;
  const close = async (graceful: boolean): Promise<void> => {
    if (closing) return;
    closing = true;
    const unanswered = graceful ? await transport.drain(graceMs) : 0;
    if (unanswered > 0) log(`stopping with ${unanswered} request(s) unanswered after ${graceMs} ms`);
    await server.close().catch(() => undefined);
    // Answers that finished together may still wait in `out` for the previous write: let them out.
    if (graceful) await new Promise<void>((resolve) => out.end(() => resolve()));
    await onClose();
  };
  await server.connect(transport);
  // The SDK transport does not watch for the end of stdin: a client that goes away must not leave us running.
  if (transport.ended) void close(true);
  else process.stdin.once('end', () => void close(true));
  // A client that stopped reading cannot be answered: stop without waiting.
  process.stdout.on('error', () => void close(false));
  process.once('SIGTERM', () => void close(true));
  process.once('SIGINT', () => void close(true));
}

/**
 * A stream into `out` that sends what was written while its previous write was under way in one
 * write: answers that finish together (a burst of calls) cost one system call, not one each.
 */
function batched(out: NodeJS.WritableStream): Writable {
  return new Writable({
    writev(chunks, callback) {
      // A failed write (EPIPE: the client stopped reading) is reported by `out` itself, where
      // serveStdio listens; passed on here, it would be an unhandled 'error' event.
      out.write(chunks.length === 1 ? (chunks[0]?.chunk as Buffer) : Buffer.concat(chunks.map((c) => c.chunk as Buffer)), () => callback());
    },
  });
}
