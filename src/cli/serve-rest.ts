import { resolveBinds } from '../engine/binds.js';
import type { Capability } from '../engine/model.js';
import type { Env } from '../env.js';
import { log, logUnhandledRejections } from '../log.js';
import { createServer } from '../mcp/server.js';
import { serveStdio } from '../mcp/stdio.js';
import { restExecutor } from '../rest/executor.js';

/** What the server tells agents about a capability that is not Clerk's: its own words, and how to read answers. */
export function restInstructions(capability: Capability): string {
  const what = capability.description ?? capability.label;
  return `${what}\nTools: ${capability.operations.map((op) => op.name).join(', ')}. Each answer is the mapped JSON of the API's answer; a list comes as { data, total_count }.`;
}

/**
 * The MCP server on stdio for a capability served as plain HTTP (rest/): its binds are filled in
 * first, so that a missing value stops the server now, naming it, rather than failing every call.
 */
export async function serveRest(capability: Capability, env: Env, confirm: boolean): Promise<void> {
  const bound = resolveBinds(capability, env);
  const executor = restExecutor(bound.capability, bound.secrets);
  logUnhandledRejections(executor);
  log(`serving ${bound.capability.operations.length} tools of ${capability.file} over plain HTTP: ${(bound.capability.services ?? []).map((s) => executor.redact(new URL(s.baseUri).origin)).join(', ')}`);
  await serveStdio(() => createServer({ capability: bound.capability, executor, instructions: restInstructions(bound.capability), confirm }), executor.serviceName !== undefined ? { serviceName: executor.serviceName } : {});
}
