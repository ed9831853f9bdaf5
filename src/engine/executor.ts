import type { QuestionContext } from './confirm.js';
import type { ToolDefinition } from './definitions.js';

/** How a failure reads to the agent, and whether it was expected (an answer) or a bug. */
export interface Failure {
  /** Redacted: safe to return and to log. */
  readonly text: string;
  /** False for a bug worth a stack on stderr; the service's refusals and network failures are expected. */
  readonly expected: boolean;
}

/** What the protocol layer knows of a call beyond its arguments. */
export interface ExecutionContext {
  /**
   * The id of the confirmation question whose yes this call carries out. A service that replicas
   * share may record it with what the call creates, and refuse a second call carrying it.
   */
  readonly confirmation?: string;
}

/**
 * Runs tool definitions against one service: a protocol layer calls it and never sees the
 * service's client, its list shapes or its error types.
 */
export interface ToolExecutor {
  /** Runs the tool and gives its structured result (the shape of the tool's output schema). */
  execute(tool: ToolDefinition, args: Readonly<Record<string, unknown>>, signal: AbortSignal, context?: ExecutionContext): Promise<Record<string, unknown>>;
  /** Looks up what a confirmation question should show; reads only, never throws. */
  questionContext(args: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<QuestionContext>;
  /** The organizations the user can manage, as the resource's JSON body; absent for a service without them (no resource is served). */
  organizations?(signal: AbortSignal): Promise<Record<string, unknown>>;
  /** Words for a failed `what` (a tool name, or what was being read). */
  explain(what: string, error: unknown): Failure;
  /**
   * Words for a call the service carried out whose answer cannot be returned (it does not fit the
   * tool's output schema, or cannot even be serialised): for a write, that it was done all the same.
   */
  unusableAnswer(tool: ToolDefinition, args: Readonly<Record<string, unknown>>, problem: string): string;
  /** Scrubs the service's secrets out of text. */
  redact(text: string): string;
  /** The service as messages name it ("Nothing was sent to …"); absent: Clerk. */
  readonly serviceName?: string;
}
