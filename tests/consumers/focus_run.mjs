// node focus_run.mjs HOST: --format focus runs (both schemas, hourly and daily charges,
// charges split by tags, a shard) each read by DuckDB with its metadata's types and checked
// against the FOCUS validator's 1.2 rules by focus.mjs; and BilledCost-C-007-M ("the sum of
// the BilledCost for a given InvoiceId MUST match the sum of the payable amount provided in
// the corresponding invoice"): per InvoiceId, the answer key's invoices (--truth) of the
// billing account's customers in that month, to the micro-dollar.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, finish, run, tempDir } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dir = tempDir();
const base = ['--format', 'focus', '--days', '2', '--start', '2025-01-31', '--scale', '0.1'];  // two billing periods
const runs = {
  seed: ['--truth', join(dir, 'key')],
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
const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
const mismatched = (await db.runAndReadAll(`
  WITH billed AS (SELECT InvoiceId, sum(BilledCost) AS usd FROM read_csv('${join(dir, 'seed.csv')}', header = true,
         types = {'BilledCost': 'DECIMAL(38,6)'}) GROUP BY 1),
       invoiced AS (SELECT organization_id || '-' || month AS InvoiceId, sum(total_usd) AS usd
         FROM read_csv('${join(dir, 'key/invoices.csv')}', header = true, types = {'total_usd': 'DECIMAL(38,6)'}) GROUP BY 1)
  SELECT * FROM billed FULL JOIN invoiced USING (InvoiceId) WHERE billed.usd IS DISTINCT FROM invoiced.usd`)).getRowObjectsJS();
const [{ n: invoices }] = (await db.runAndReadAll(`SELECT count(DISTINCT InvoiceId)::INTEGER AS n FROM '${join(dir, 'seed.csv')}'`)).getRowObjectsJS();
expect(invoices > 1 && mismatched.length === 0, `BilledCost-C-007-M: ${mismatched.length} invoices differ, e.g. ${JSON.stringify(mismatched[0])}`);
console.log(`BilledCost-C-007-M: ${invoices} invoices, each the sum of its customers' invoices in the answer key`);
finish('focus: every run keeps the applicable FOCUS 1.2 rules');
