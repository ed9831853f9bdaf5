import { appendFileSync } from 'node:fs';

/**
 * Records a measured figure for `npm run reliability`, which sets RELIABILITY_REPORT to a file and
 * prints what the tests wrote there. Without it (plain `npm test`) figures go nowhere.
 */
export function recordFigure(name: string, value: number | string, unit = ''): void {
  const file = process.env.RELIABILITY_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ name, value, unit })}\n`);
}

/** A whole-number knob from the environment (how big a run is), with the `npm test` default. */
export function knob(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${raw}`);
  return n;
}

/** Peak resident memory of a running process, in MiB, from /proc (Linux); undefined elsewhere. */
export async function peakRssMiB(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}
