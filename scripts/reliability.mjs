// npm run reliability: the reliability tests (test/reliability/) at full size, then the figures
// they measured. Sizes: FUZZ_RUNS (hostile calls per tool and capability, default 1000) and
// LOAD_CALLS (concurrent calls over one connection, default 10000); `npm test` runs the same
// tests smaller. Expects a build (the script in package.json builds first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const report = join(mkdtempSync(join(tmpdir(), 'reliability-')), 'figures.jsonl');
const env = { ...process.env, RELIABILITY_REPORT: report, FUZZ_RUNS: process.env.FUZZ_RUNS ?? '1000', LOAD_CALLS: process.env.LOAD_CALLS ?? '10000' };
const started = Date.now();
const run = spawnSync('npx', ['vitest', 'run', 'test/reliability'], { env, stdio: 'inherit' });
const seconds = ((Date.now() - started) / 1000).toFixed(1);

const figures = existsSync(report) ? readFileSync(report, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
process.stdout.write(`\nFigures (FUZZ_RUNS=${env.FUZZ_RUNS}, LOAD_CALLS=${env.LOAD_CALLS}, Node ${process.version}, ${seconds} s):\n\n| Figure | Value |\n| --- | --- |\n`);
for (const { name, value, unit } of figures) process.stdout.write(`| ${name} | ${value}${unit ? ` ${unit}` : ''} |\n`);
process.exit(run.status ?? 1);
