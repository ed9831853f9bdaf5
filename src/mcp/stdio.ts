import { Writable, type Readable } from 'node:stream';
import { parseJSONRPCMessage, ProtocolErrorCode as ErrorCode, type JSONRPCMessage, type JSONRPCRequest, type McpServerFactory, type MessageExtraInfo, type RequestId, type Transport } from '@modelcontextprotocol/server';
import { serveStdio as serveStdioEntry } from '@modelcontextprotocol/server/stdio';
import { log } from '../log.js';

/** Longest message line read (8 MiB); a longer one is skipped and answered with a parse error. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/**
 * Deepest nesting of arrays and objects taken in a message. The SDK and zod walk messages
 * recursively: a line of a few KB nested thousands deep would overflow the stack.
 */
export const MAX_NESTING = 100;
/** How long a stopping server may take, all of it (calls in flight, flushing stdout, closing). */
export const SHUTDOWN_GRACE_MS = 5_000;
/**
 * Most calls to Clerk (tools/call, resources/read) handed to the server at once; more wait here, as
 * small parsed messages, until one is answered. A burst of thousands then costs kilobytes each
 * instead of a whole call's worth of promises, schemas and buffers in the server.
 */
export const MAX_DISPATCHED_CALLS = 32;
// Requests that end in a call to Clerk; the others (ping, tools/list…) are never held back.
const GATED = new Set(['tools/call', 'resources/read']);
// A line buffer grown past this is let go once its line is read, rather than kept for the next.
const KEPT_LINE_BUFFER_BYTES = 64 * 1024;

/** An error for a line not taken: JSON-RPC 2.0 wants `id: null` when the id could not be read, which MCP's types leave out. */
interface Refusal {
  readonly jsonrpc: '2.0';
  readonly id: RequestId | null;
  readonly error: { readonly code: number; readonly message: string };
}

// JSON-RPC's "server error" range: what MCP has used for a connection that is closing.
const CONNECTION_CLOSED = -32000;

const keyOf = (id: RequestId): string => `${typeof id}:${id}`;
const isRequestId = (v: unknown): v is RequestId => typeof v === 'string' || Number.isSafeInteger(v);
const idOf = (value: unknown): RequestId | null => (typeof value === 'object' && value !== null && 'id' in value && isRequestId(value.id) ? value.id : null);

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
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #maxLineBytes: number;
  // The line being read, copied into one buffer grown by doubling: chunks kept as they came would
  // each pin their read buffer, and a line sent a byte at a time would cost hundreds of times its size.
  #line = Buffer.alloc(0);
  #lineBytes = 0;
  #skipping = false;
  readonly #awaiting = new Set<string>();
  readonly #maxDispatched: number;
  /** What the calls go to, as "Nothing was sent to …" names it. */
  readonly #serviceName: string;
  // Gated requests handed to the server and not yet answered, and those waiting for their turn
  // (a Map: in order, and a cancellation finds its request at once).
  readonly #dispatched = new Set<string>();
  readonly #held = new Map<string, JSONRPCRequest>();
  // One wait for stdout's 'drain', shared by every write that met backpressure.
  #stdoutDrained: Promise<void> | undefined;
  #draining = false;
  #drained: (() => void) | undefined;
  #closed = false;

  constructor(stdin: Readable = process.stdin, stdout: Writable = process.stdout, options: { maxLineBytes?: number; maxDispatched?: number; serviceName?: string } = {}) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#serviceName = options.serviceName ?? 'Clerk';
    this.#maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.#maxDispatched = options.maxDispatched ?? MAX_DISPATCHED_CALLS;
  }

  /** Requests received and not yet answered. */
  get awaiting(): number {
    return this.#awaiting.size;
  }

  /** Calls to Clerk waiting for their turn to reach the server. */
  get held(): number {
    return this.#held.size;
  }

  async start(): Promise<void> {
    this.#stdin.on('data', this.#onData);
    this.#stdin.on('error', this.#onError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if ('id' in message && !('method' in message) && isRequestId(message.id)) {
      this.#awaiting.delete(keyOf(message.id));
      this.#finished(keyOf(message.id));
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
   * cancellations still pass), answers the calls still waiting for their turn (they were never
   * run), and resolves once every request received has been answered, or after `graceMs`, with
   * the number still unanswered.
   */
  async drain(graceMs: number): Promise<number> {
    this.#draining = true;
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const request of held) void this.send(notRun(request, this.#serviceName));
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
      if (end !== -1 && this.#lineBytes === 0 && !this.#skipping && end - start <= this.#maxLineBytes) {
        // A whole line in this chunk: read in place, without a copy.
        this.#read(chunk.subarray(start, end));
      } else {
        this.#append(chunk.subarray(start, end === -1 ? chunk.length : end));
        if (end === -1) return;
        this.#endLine();
      }
      start = end + 1;
    }
  };

  #append(piece: Buffer): void {
    if (this.#skipping || piece.length === 0) return;
    const size = this.#lineBytes + piece.length;
    if (size > this.#maxLineBytes) {
      this.#skipping = true;
      this.#line = Buffer.alloc(0);
      this.#lineBytes = 0;
      return;
    }
    if (size > this.#line.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.#maxLineBytes, Math.max(size, 2 * this.#line.length, 1024)));
      this.#line.copy(grown, 0, 0, this.#lineBytes);
      this.#line = grown;
    }
    piece.copy(this.#line, this.#lineBytes);
    this.#lineBytes = size;
  }

  #endLine(): void {
    const skipped = this.#skipping;
    const line = this.#line.subarray(0, this.#lineBytes);
    this.#lineBytes = 0;
    this.#skipping = false;
    if (skipped) return this.#refuse(null, ErrorCode.ParseError, `Parse error: message longer than ${this.#maxLineBytes} bytes, skipped`);
    this.#read(line);
    if (this.#line.length > KEPT_LINE_BUFFER_BYTES) this.#line = Buffer.alloc(0);
  }

  #read(bytes: Buffer): void {
    const line = bytes.toString('utf8');
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.#refuse(null, ErrorCode.ParseError, 'Parse error: the line is not JSON');
    }
    if (nestedDeeperThan(value, MAX_NESTING)) {
      return this.#refuse(idOf(value), ErrorCode.InvalidRequest, `Invalid Request: arrays and objects nested deeper than ${MAX_NESTING} levels`);
    }
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(value);
    } catch {
      return this.#refuse(idOf(value), ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response');
    }
    this.#receive(message);
  }

  #receive(message: JSONRPCMessage): void {
    if ('method' in message && 'id' in message) {
      if (this.#draining) return this.#refuse(message.id, CONNECTION_CLOSED, 'Server is shutting down: no new requests are taken');
      const key = keyOf(message.id);
      // A second request under an id still awaiting its answer could not be told apart from the first.
      if (this.#awaiting.has(key)) return this.#refuse(message.id, ErrorCode.InvalidRequest, 'Invalid Request: duplicate id, a request with this id is still awaiting its answer');
      this.#awaiting.add(key);
      if (GATED.has(message.method)) {
        if (this.#dispatched.size >= this.#maxDispatched) return void this.#held.set(key, message);
        this.#dispatched.add(key);
      }
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      // A cancelled request gets no answer (MCP), so it no longer holds up a shutdown; one still
      // held is dropped here, and the server never sees it.
      const id = message.params?.requestId;
      if (isRequestId(id)) {
        const key = keyOf(id);
        this.#awaiting.delete(key);
        this.#held.delete(key);
        this.#finished(key);
      }
      queueMicrotask(() => this.#checkDrained());
    }
    this.#dispatch(message);
  }

  /** A gated request was answered or cancelled: the next held one, if any, goes to the server. */
  #finished(key: string): void {
    if (!this.#dispatched.delete(key)) return;
    const next = this.#held.entries().next();
    if (next.done) return;
    const [nextKey, request] = next.value;
    this.#held.delete(nextKey);
    this.#dispatched.add(nextKey);
    this.#dispatch(request);
  }

  // Whatever a message makes the server throw ends here, not the process; a request still gets its answer.
  #dispatch(message: JSONRPCMessage): void {
    try {
      this.onmessage?.(message);
    } catch (error) {
      log(`a message could not be handled (still serving): ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`);
      if ('method' in message && 'id' in message) void this.send({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.InternalError, message: 'Internal error: the message could not be handled' } });
    }
  }

  #refuse(id: RequestId | null, code: number, message: string): void {
    this.#write({ jsonrpc: '2.0', id, error: { code, message } }).catch((e: unknown) => this.onerror?.(e instanceof Error ? e : new Error(String(e))));
  }

  #write(message: JSONRPCMessage | Refusal): Promise<void> {
    if (this.#stdout.destroyed) return Promise.resolve();
    if (this.#stdout.write(`${JSON.stringify(message)}\n`)) return Promise.resolve();
    return (this.#stdoutDrained ??= new Promise((resolve) => {
      this.#stdout.once('drain', () => {
        this.#stdoutDrained = undefined;
        resolve();
      });
    }));
  }

  #checkDrained(): void {
    if (this.#draining && this.#awaiting.size === 0) this.#drained?.();
  }
}

/** The answer to a call that waited for its turn until the server began to stop. */
function notRun(request: JSONRPCRequest, serviceName: string): JSONRPCMessage {
  const what = request.method === 'tools/call' && typeof request.params?.name === 'string' ? request.params.name : request.method;
  const text = `${what} was not run: the server is stopping. Nothing was sent to ${serviceName}.`;
  // A tool's failure is a result (the agent reads it); a resource has only JSON-RPC errors.
  if (request.method === 'tools/call') return { jsonrpc: '2.0', id: request.id, result: { isError: true, content: [{ type: 'text', text }] } };
  return { jsonrpc: '2.0', id: request.id, error: { code: CONNECTION_CLOSED, message: text } };
}

/** Whether arrays and objects in `value` nest deeper than `limit`: walked with a list, not recursion. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [object, number][] = typeof value === 'object' && value !== null ? [[value, 1]] : [];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, depth] = item;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? (node as unknown[]) : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** What serveStdio runs as the server stops. */
export interface StopHooks {
  /** Called first, at the signal: e.g. to stop sending requests to Clerk. */
  readonly onStop?: () => void;
  /** Called last, before the process exits: e.g. to close the sandbox. */
  readonly onClose?: () => Promise<void>;
  readonly graceMs?: number;
  /** What the calls go to, as the answers to calls never run name it; absent: Clerk. */
  readonly serviceName?: string;
}

/**
 * Serves MCP over stdin/stdout, through the SDK's stdio entry (which tells the protocol eras apart:
 * an `initialize` opens a 2024-11-05 … 2025-11-25 connection, `server/discover` or an enveloped
 * request a 2026-07-28 one, each served by one server from `factory`), until stdin ends or the
 * process is told to stop (SIGTERM, SIGINT); then runs `onStop`, lets the calls in flight finish,
 * flushes stdout, runs `onClose`, and exits 0, all within `graceMs`. A second signal ends the
 * process at once. stdout carries protocol messages only.
 */
export async function serveStdio(factory: McpServerFactory, { onStop, onClose, graceMs = SHUTDOWN_GRACE_MS, serviceName }: StopHooks = {}): Promise<void> {
  const out = batched(process.stdout);
  const transport = new StdioTransport(process.stdin, out, serviceName !== undefined ? { serviceName } : {});
  const handle = serveStdioEntry(factory, {
    transport,
    // A message that fails in the SDK is answered there; the reason is worth a line on stderr.
    onerror: (error) => log(`protocol: ${error.message}`),
  });
  let closing = false;
  // What the shutdown is waiting for, for the line logged if the grace runs out.
  let stage = 'the calls in flight';
  const shutDown = async (graceful: boolean): Promise<void> => {
    if (graceful) await transport.drain(graceMs);
    await handle.close().catch(() => undefined);
    stage = 'stdout to be flushed (the client is not reading it)';
    // Answers that finished together may still wait in `out` for the previous write: let them out.
    if (graceful) await new Promise<void>((resolve) => out.end(() => resolve()));
    stage = 'the last clean-up';
    await onClose?.();
  };
  const close = async (graceful: boolean): Promise<void> => {
    if (closing) return;
    closing = true;
    onStop?.();
    // The grace bounds the whole shutdown: a client that no longer reads stdout would block the flush for good.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        const unanswered = transport.awaiting > 0 ? `, ${transport.awaiting} request(s) unanswered` : '';
        log(`stopping after ${graceMs} ms while waiting for ${stage}${unanswered}`);
        resolve();
      }, graceMs);
    });
    await Promise.race([shutDown(graceful).catch((error: unknown) => log(`while stopping: ${error instanceof Error ? error.message : String(error)}`)), late]);
    clearTimeout(timer);
    process.exit(0);
  };
  // The SDK transport does not watch for the end of stdin: a client that goes away must not leave us running.
  process.stdin.once('end', () => void close(true));
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
