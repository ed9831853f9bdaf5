import { UsageError } from '../errors.js';
import type { Env } from '../env.js';
import type { Command } from './commands.js';
import { nonEmpty, splitNames } from './option-values.js';

/** The flags of the server over HTTP (`--http`, `--hosted` and theirs), and `--capability`, which --hosted refuses. */
export interface HttpFlagValues {
  readonly port?: string | undefined;
  readonly http?: boolean | undefined;
  readonly host?: string | undefined;
  readonly 'allowed-hosts'?: string[] | undefined;
  readonly hosted?: boolean | undefined;
  readonly 'public-url'?: string | undefined;
  readonly capability?: string | undefined;
}

/** How the server is served over HTTP, as the command line and environment say. */
export interface HttpOptions {
  /** `--http`: serve MCP over Streamable HTTP instead of stdio. */
  readonly http: boolean;
  /** `--http --host`: the address to listen on. */
  readonly host: string | undefined;
  /** `--http --allowed-hosts` (or CLERK_MCP_ALLOWED_HOSTS): Host names taken besides loopback's. */
  readonly allowedHosts: readonly string[] | undefined;
  /** `--http --hosted`: many users, each with an OAuth access token, through the Backend API. */
  readonly hosted: boolean;
  /** `--hosted --public-url` (or CLERK_MCP_PUBLIC_URL): the URL clients reach the server by. */
  readonly publicUrl: string | undefined;
}

// Flags of the server over HTTP only.
const ONLY_WITH_HTTP = ['host', 'allowed-hosts'] as const;

/** Throws a UsageError for an HTTP or hosted flag given where it has no use. */
export function checkHttpFlags(command: Command, values: HttpFlagValues, env: Env): void {
  const servingHttp = command === 'serve' && values.http === true;
  if (values.port !== undefined && command !== 'sandbox' && !servingHttp) throw new UsageError('--port goes with the sandbox command or the server over HTTP (--http). See --help.');
  for (const flag of ONLY_WITH_HTTP) {
    if (values[flag] !== undefined && !servingHttp) throw new UsageError(`--${flag} goes with the server over HTTP (--http). See --help.`);
  }
  if (values.hosted && !servingHttp) {
    throw new UsageError('--hosted serves many users over HTTP, each with their own OAuth access token: add --http (as in `serve --http --hosted`). Over stdio the server acts as one signed-in user. See --help.');
  }
  if (values['public-url'] !== undefined && !values.hosted) throw new UsageError('--public-url goes with the hosted server (--http --hosted). See --help.');
  if (values.hosted && (values.capability ?? env.CLERK_CAPABILITY_FILE?.trim())) {
    throw new UsageError('--hosted serves the bundled Backend API capability (src/engine/clerk-backend-api-invitations.yaml): remove --capability (or CLERK_CAPABILITY_FILE). See --help.');
  }
}

/** The HTTP options, with CLERK_MCP_ALLOWED_HOSTS and CLERK_MCP_PUBLIC_URL read only where they apply. */
export function httpOptions(command: Command, values: HttpFlagValues, env: Env): HttpOptions {
  return {
    http: values.http === true,
    host: values.host === undefined ? undefined : nonEmpty('--host', values.host),
    allowedHosts: values['allowed-hosts']
      ? splitNames(values['allowed-hosts'])
      : command === 'serve' && values.http && env.CLERK_MCP_ALLOWED_HOSTS?.trim()
        ? splitNames([env.CLERK_MCP_ALLOWED_HOSTS])
        : undefined,
    hosted: values.hosted === true,
    publicUrl: values.hosted ? (values['public-url'] === undefined ? env.CLERK_MCP_PUBLIC_URL?.trim() || undefined : nonEmpty('--public-url', values['public-url'])) : undefined,
  };
}
