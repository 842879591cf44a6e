// node focus_run.mjs HOST: --format focus runs (both schemas, hourly and daily charges,
// charges split by tags, a shard) each read by DuckDB with its metadata's types and checked
// against the FOCUS validator's 1.2 rules by focus.mjs.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, finish, run, tempDir } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dir = tempDir();
const base = ['--format', 'focus', '--days', '2', '--start', '2025-01-31', '--scale', '0.1'];  // two billing periods
const runs = {
  seed: [],
  extended_day_tags: ['--schema', 'extended', '--catalog', 'current', '--charge-period', 'day', '--charge-tags', 'product,feature'],
  extended_shard: ['--schema', 'extended', '--charge-period', 'day', '--shard', '0/2'],
};
for (const [name, args] of Object.entries(runs)) {
  const file = join(dir, `${name}.csv`);
  run(file, [...base, ...args]);
  try {
    console.log(execFileSync(process.execPath, [join(here, 'focus.mjs'), file], { encoding: 'utf8' }).trim());
  } catch (e) {
    console.log(e.stdout);
    expect(false, `${name}: the FOCUS rules fail`);
  }
}
finish('focus: every run keeps the applicable FOCUS 1.2 rules');
