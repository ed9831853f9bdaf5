import { bindPlaceholders } from '../engine/binds.js';
import { toolDefinitions } from '../engine/definitions.js';
import { loadCapability } from '../engine/load.js';
import type { Capability, ParameterSpec } from '../engine/model.js';
import { printable } from './printable.js';

/**
 * `validate FILE`: reads the capability as the server would and prints what it would serve, as
 * plain text (no colours: it is read in CI logs as much as in terminals). A file with problems
 * throws the CapabilityError that lists them all: run.ts prints it on stderr and exits 1.
 */
export function validate(file: string, print: (line: string) => void): void {
  const capability = loadCapability(file);
  // The file's words (descriptions, names) reach a terminal: nothing in them may steer it.
  for (const line of describeCapability(capability)) print(printable(line));
}

/** The listing `validate` prints. */
export function describeCapability(capability: Capability): string[] {
  const tools = toolDefinitions(capability);
  const profile = capability.profile === 'http' ? 'plain HTTP with JSON bodies' : "Clerk's Frontend API";
  const lines = [`${capability.file}: valid, ${tools.length} tool${tools.length === 1 ? '' : 's'}, served as ${profile}.`];
  for (const tool of tools) {
    const { annotations: a } = tool;
    // Only the hints the tool states: MCP reads an absent one as its default (destructive: true).
    const hints = (['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const).filter((h) => a[h] !== undefined).map((h) => `${h.replace(/Hint$/, '')}=${String(a[h])}`).join(' ');
    lines.push('', `${tool.name}  "${tool.title}"`, `  ${tool.operation.method} ${tool.operation.path}`, `  hints: ${hints}`);
    lines.push(...(tool.operation.inputParameters.length === 0 ? ['  arguments: none'] : ['  arguments:', ...tool.operation.inputParameters.map(argumentLine)]));
  }
  const binds = capability.profile === 'http' ? bindPlaceholders(capability) : [];
  if (binds.length > 0) {
    const where = (key: string): string => {
      const bind = capability.binds?.find((b) => b.key === key);
      return bind?.file ? `${key} (key "${bind.sourceKey}" of ${bind.file})` : `${key} (environment variable ${bind?.sourceKey ?? key})`;
    };
    lines.push('', `Needed when serving: ${binds.map(where).join(', ')}.`);
  }
  return lines;
}

function argumentLine(p: ParameterSpec): string {
  const type = p.type === 'array' ? `array of ${p.items?.type ?? 'any'}` : p.type;
  const to = `${p.in}${p.target ? ` ${p.target}` : ''}`;
  return `    ${p.name}: ${type}, ${p.required ? 'required' : 'optional'}, in ${to}${p.description ? ` — ${p.description.replace(/\s+/g, ' ').trim()}` : ''}`;
}
