// node parquet.mjs HOST: the conversion of a FOCUS file to Parquet that docs/formats.md
// shows (its `duckdb -c "COPY ..."` command, taken from the document) run with npm's
// DuckDB; the Parquet file read back must have the metadata's column types and equal the
// CSV read with them, row for row.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, finish, run, tempDir } from './common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const docs = readFileSync(join(here, '../../docs/formats.md'), 'utf8');
const command = docs.split('\n').find((l) => l.startsWith('duckdb -c "COPY'));
expect(command !== undefined, 'docs/formats.md shows no duckdb -c "COPY ..." command');
const sql = command.slice('duckdb -c "'.length, command.lastIndexOf('"'));

const dir = tempDir();
const csv = join(dir, 'focus.csv');
run(csv, ['--format', 'focus', '--days', '2', '--scale', '0.1', '--schema', 'extended']);
const metadata = JSON.parse(readFileSync(`${csv}.metadata.json`, 'utf8'));
const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
const rows = async (q) => (await db.runAndReadAll(q)).getRowObjectsJS();
await db.run(sql.replaceAll("'focus.csv'", `'${csv}'`).replaceAll("'focus.parquet'", `'${join(dir, 'focus.parquet')}'`));

const sqlType = (c) =>
  c.DataType === 'DECIMAL' ? `DECIMAL(${c.NumericPrecision},${c.NumberScale})`
  : c.DataType === 'DATETIME' ? 'TIMESTAMP WITH TIME ZONE'
  : c.DataType === 'INTEGER' ? 'BIGINT' : 'VARCHAR';
const defs = metadata.Schema.ColumnDefinition;
const got = await rows(`DESCRIBE SELECT * FROM '${join(dir, 'focus.parquet')}'`);
expect(got.length === defs.length, `${got.length} Parquet columns, ${defs.length} in the metadata`);
for (const [i, c] of defs.entries())
  expect(got[i]?.column_name === c.ColumnName && got[i]?.column_type === sqlType(c),
    `column ${c.ColumnName}: Parquet has ${got[i]?.column_name} ${got[i]?.column_type}, the metadata ${sqlType(c)}`);
const types = defs.map((c) => `'${c.ColumnName}': '${sqlType(c)}'`).join(', ');
await db.run(`CREATE TABLE typed AS FROM read_csv('${csv}', header = true, auto_detect = false, columns = {${types}})`);
await db.run(`CREATE TABLE back AS FROM '${join(dir, 'focus.parquet')}'`);
const [{ n }] = await rows('SELECT count(*)::INTEGER AS n FROM typed');
const [{ extra }] = await rows('SELECT count(*)::INTEGER AS extra FROM (FROM back EXCEPT ALL FROM typed)');
const [{ missing }] = await rows('SELECT count(*)::INTEGER AS missing FROM (FROM typed EXCEPT ALL FROM back)');
expect(n > 0 && extra === 0 && missing === 0, `Parquet differs from the CSV: ${extra} rows extra, ${missing} missing`);
finish(`parquet: ${n} rows converted by the documented command, read back equal to the CSV`);
