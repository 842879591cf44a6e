// node focus.mjs FILE.csv [--report]: a FOCUS file as its readers and its validator see it.
//
// 1. DuckDB (@duckdb/node-api) reads the CSV with the types of its metadata file
//    (<FILE>.metadata.json), and again inferring the types as the FinOps Foundation's
//    validator's loader does: every DECIMAL column must come out a decimal both ways.
// 2. The validator's FOCUS 1.2 rules (data/focus-validator-model-1.2.json, its model of the
//    specification) are evaluated as it states them: each Static rule's Requirement must hold
//    on every row where its Condition holds, each check turned into SQL. A rule is not
//    applicable when it needs a provider feature we do not have (its ApplicabilityCriteria)
//    or a column the file does not carry; Dynamic rules (prose only) are not machine
//    checkable. The rules that fail for a documented reason are listed in
//    data/focus-deviations.json: the test fails if one of them passes (the list is stale)
//    or if any other rule fails.
// 3. The metadata: StringMaxLength holds for every string, SchemaId is a GUID.
// Prints one line per rule (PASS/FAIL/DEVIATION) with --report, and a summary line.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const file = process.argv[2];
const report = process.argv.includes('--report');
const model = JSON.parse(readFileSync(join(here, 'data/focus-validator-model-1.2.json'), 'utf8'));
const deviations = JSON.parse(readFileSync(join(here, 'data/focus-deviations.json'), 'utf8')).rules;
const metadata = JSON.parse(readFileSync(`${file}.metadata.json`, 'utf8'));
const failures = [];
const fail = (what) => failures.push(what);

// What a provider of metered, priced tokens resold with sub accounts and tags supports
// (the validator's ApplicabilityCriteria; the others are features we do not have).
const supported = new Set([
  'ACCOUNT_NAMING_SUPPORTED', 'PUBLIC_PRICE_LIST_SUPPORTED', 'USAGE_MEASUREMENT_SUPPORTED', 'UNIT_PRICING_SUPPORTED',
  'SUB_ACCOUNT_SUPPORTED', 'TAGGING_SUPPORTED',
]);

const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const db = await instance.connect();
const rows = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();
const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
const id = (s) => `"${s}"`;

// ---- 1. The metadata's types, and the types a reader infers.
const schema = metadata.Schema;
const defs = schema.ColumnDefinition;
const sqlType = (c) =>
  c.DataType === 'DECIMAL' ? `DECIMAL(${c.NumericPrecision},${c.NumberScale})`
  : c.DataType === 'DATETIME' ? 'TIMESTAMPTZ'
  : c.DataType === 'INTEGER' ? 'BIGINT' : 'VARCHAR';
const typeList = defs.map((c) => `${q(c.ColumnName)}: ${q(sqlType(c))}`).join(', ');
await db.run(`CREATE TABLE typed AS SELECT * FROM read_csv(${q(file)}, header = true, auto_detect = false,
  columns = {${typeList}})`);
await db.run(`CREATE TABLE raw AS SELECT * FROM read_csv(${q(file)}, header = true, all_varchar = true)`);
await db.run(`CREATE TABLE inferred AS SELECT * FROM read_csv(${q(file)}, header = true)`);
const [{ n: rowCount }] = await rows('SELECT count(*)::INTEGER AS n FROM raw');
if (rowCount === 0) fail('the file has no rows');
const inferredTypes = new Map((await rows('DESCRIBE inferred')).map((r) => [r.column_name, r.column_type]));
const columns = new Set(inferredTypes.keys());
if (JSON.stringify([...columns]) !== JSON.stringify(defs.map((c) => c.ColumnName)))
  fail('the metadata does not define the columns of the file, in order');
for (const c of defs) {
  const t = inferredTypes.get(c.ColumnName) ?? '';
  const [{ n: nonNull }] = await rows(`SELECT count(${id(c.ColumnName)})::INTEGER AS n FROM raw`);
  if (c.DataType === 'DECIMAL' && nonNull > 0 && !/^(DECIMAL|DOUBLE)/.test(t))
    fail(`${c.ColumnName}: DECIMAL in the metadata, but a reader infers ${t}`);
  if (c.DataType === 'STRING') {
    if (!(c.StringMaxLength > 0)) fail(`${c.ColumnName}: no StringMaxLength`);
    const [{ n: longest }] = await rows(`SELECT coalesce(max(length(${id(c.ColumnName)})), 0)::INTEGER AS n FROM raw`);
    if (longest > c.StringMaxLength) fail(`${c.ColumnName}: a value of ${longest} characters > StringMaxLength`);
  }
}
if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(schema.SchemaId))
  fail(`SchemaId ${schema.SchemaId} is not a GUID`);
if (schema.FocusVersion !== model.Details.FOCUSVersion) fail(`FocusVersion ${schema.FocusVersion}`);

// ---- 2. The validator's rules, each check as SQL over the raw text (the typed table for
// numbers). A check is [sql, applicable]; dataset-level checks are constants.
const currencies = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'CHF', 'CNY', 'INR']);
const num = (c) => `TRY_CAST(${id(c)} AS DECIMAL(38,18))`;
const numeric = String.raw`^-?(0|[1-9][0-9]*)(\.[0-9]+)?(E-?[0-9]+)?$`;
const dateTime = String.raw`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`;
// UnitFormat: "<plural-units>", "<quantity> <plural-units>", "<units>/<interval>", ...
const unit = String.raw`^([0-9]+ )?[A-Z][A-Za-z]*( [A-Z][A-Za-z]*)*(/[A-Z][A-Za-z]*)?$`;
const lit = (v) => (typeof v === 'number' ? String(v) : q(v));
const present = (c) => columns.has(c);
const ruleCache = new Map();

function check(c) {
  const col = c.ColumnName;
  const needs = (...cs) => cs.every(present);
  switch (c.CheckFunction) {
    case 'AND':
    case 'OR': {
      // A composite rule's parts that are other rules not applicable to us (a feature we do
      // not have, a column we do not carry) drop out; any other part must apply.
      const parts = c.Items.map((item) => [item, check(item)]);
      const live = parts.filter(([item, [, ok]]) => ok || item.CheckFunction !== 'CheckModelRule').map(([, p]) => p);
      if (live.length === 0) return ['TRUE', false];
      return [`(${live.map((p) => p[0]).join(c.CheckFunction === 'AND' ? ' AND ' : ' OR ')})`, live.every((p) => p[1])];
    }
    case 'CheckModelRule': {
      // A documented deviation counts once, as itself, not again in every rule made of it.
      if (c.ModelRuleId in deviations) return ['TRUE', true];
      const r = ruleSql(c.ModelRuleId);
      return [r.sql, r.applicable];
    }
    case 'ColumnPresent':
      return [present(col) ? 'TRUE' : 'FALSE', true];
    case 'CheckValue':
      if (!needs(col)) return ['FALSE', false];
      if (c.Value === null) return [`${id(col)} IS NULL`, true];
      return [typeof c.Value === 'number' ? `coalesce(${num(col)} = ${c.Value}, FALSE)`
        : `coalesce(${id(col)} = ${lit(c.Value)}, FALSE)`, true];
    case 'CheckNotValue':
      if (!needs(col)) return ['FALSE', false];
      if (c.Value === null) return [`${id(col)} IS NOT NULL`, true];
      return [`${id(col)} IS DISTINCT FROM ${lit(c.Value)}`, true];
    case 'CheckSameValue':
      return [`coalesce(${id(c.ColumnAName)} = ${id(c.ColumnBName)}, FALSE)`, needs(c.ColumnAName, c.ColumnBName)];
    case 'CheckNotSameValue':
      return [`coalesce(${id(c.ColumnAName)} <> ${id(c.ColumnBName)}, FALSE)`, needs(c.ColumnAName, c.ColumnBName)];
    case 'CheckGreaterOrEqualThanValue':
      return [`coalesce(${num(col)} >= ${c.Value}, FALSE)`, needs(col)];
    case 'ColumnByColumnEqualsColumnValue':
      // Exactly, in decimals: a x b = result.
      return [`(${id(c.ColumnAName)} IS NULL OR ${id(c.ColumnBName)} IS NULL OR ${id(c.ResultColumnName)} IS NULL OR
        TRY_CAST(${id(c.ColumnAName)} AS DECIMAL(38,18)) * TRY_CAST(${id(c.ColumnBName)} AS DECIMAL(38,18))
          = TRY_CAST(${id(c.ResultColumnName)} AS DECIMAL(38,18)))`,
        needs(c.ColumnAName, c.ColumnBName, c.ResultColumnName)];
    case 'CheckDistinctCount':
      if (!needs(c.ColumnAName, c.ColumnBName)) return ['FALSE', false];
      return [`${id(c.ColumnAName)} IS NULL OR ${id(c.ColumnAName)} IN (SELECT ${id(c.ColumnAName)} FROM raw
        GROUP BY 1 HAVING count(DISTINCT ${id(c.ColumnBName)}) = ${c.ExpectedCount})`, true];
    case 'TypeDecimal':
      return [/^(DECIMAL|DOUBLE)/.test(inferredTypes.get(col) ?? '') ? 'TRUE' : 'FALSE', needs(col)];
    case 'TypeString':
      return [/^VARCHAR/.test(inferredTypes.get(col) ?? '') ? 'TRUE' : 'FALSE', needs(col)];
    case 'TypeDateTime':
      return [/^TIMESTAMP/.test(inferredTypes.get(col) ?? '') ? 'TRUE' : 'FALSE', needs(col)];
    case 'FormatDateTime':
      return [`(${id(col)} IS NULL OR regexp_full_match(${id(col)}, ${q(dateTime)}))`, needs(col)];
    case 'FormatNumeric':
    case 'CheckDecimalValue':
      return [`(${id(col)} IS NULL OR regexp_full_match(${id(col)}, ${q(numeric)}))`, needs(col)];
    case 'FormatString':
      return [`(${id(col)} IS NULL OR ${id(col)} = trim(${id(col)}))`, needs(col)];
    case 'FormatUnit':
      return [`(${id(col)} IS NULL OR regexp_full_match(${id(col)}, ${q(unit)}))`, needs(col)];
    case 'FormatKeyValue':
      // A JSON object whose values are not objects or arrays.
      return [`(${id(col)} IS NULL OR (json_valid(${id(col)}) AND json_type(${id(col)}) = 'OBJECT' AND
        len(list_filter(json_keys(${id(col)}), k -> json_type(${id(col)}, '$."' || k || '"') IN ('OBJECT', 'ARRAY'))) = 0))`,
        needs(col)];
    case 'FormatCurrency':
    case 'CheckNationalCurrency':
      return [`(${id(col)} IS NULL OR ${id(col)} IN (${[...currencies].map(q).join(',')}))`, needs(col)];
    default:
      throw new Error(`check function ${c.CheckFunction} is not implemented`);
  }
}

// A rule as a row predicate: rows where it holds (its Condition false, or its Requirement true).
function ruleSql(ruleId) {
  if (ruleCache.has(ruleId)) return ruleCache.get(ruleId);
  const r = model.ModelRules[ruleId];
  const v = r.ValidationCriteria;
  let result;
  const criteria = (r.ApplicabilityCriteria ?? []).every((a) => supported.has(a));
  if (v.Keyword === 'MAY') {
    // A permission, not a requirement: nothing to hold (within a composite rule, true).
    result = { sql: 'TRUE', applicable: true, checkable: false, criteria, permission: true };
  } else if (r.Type !== 'Static' || !v.Requirement || !v.Requirement.CheckFunction) {
    result = { sql: 'TRUE', applicable: false, checkable: false, criteria };
  } else {
    const [req, reqOk] = check(v.Requirement);
    const hasCondition = v.Condition && v.Condition.CheckFunction;
    const [cond, condOk] = hasCondition ? check(v.Condition) : ['TRUE', true];
    // A presence rule applies whether or not the column is there; any other rule needs its columns.
    result = { sql: `(NOT (${cond}) OR (${req}))`, applicable: criteria && reqOk && condOk, checkable: true, criteria };
  }
  ruleCache.set(ruleId, result);
  return result;
}

// A rule without a Condition that is one alternative of another's OR (InvoiceId-C-004-C
// "MUST be null when the charge is not associated with an invoice" of InvoiceId-C-003-C)
// states its condition in prose only: it is checked within that rule, not alone.
const alternatives = new Set();
(function collect(x, underOr) {
  if (Array.isArray(x)) return x.forEach((y) => collect(y, underOr));
  if (x === null || typeof x !== 'object') return;
  if (x.CheckFunction === 'CheckModelRule' && underOr) alternatives.add(x.ModelRuleId);
  for (const v of Object.values(x)) collect(v, underOr || x.CheckFunction === 'OR');
})(Object.values(model.ModelRules).map((r) => r.ValidationCriteria));
const alone = (ruleId) => {
  const c = model.ModelRules[ruleId].ValidationCriteria.Condition;
  return !alternatives.has(ruleId) || (c && c.CheckFunction);
};

// The columns a rule (and the rules it refers to) needs that the file does not carry.
function absentColumns(ruleId, out = new Set()) {
  (function walk(x) {
    if (Array.isArray(x)) return x.forEach(walk);
    if (x === null || typeof x !== 'object') return;
    for (const k of ['ColumnName', 'ColumnAName', 'ColumnBName', 'ResultColumnName'])
      if (typeof x[k] === 'string' && !present(x[k]) && x.CheckFunction !== 'ColumnPresent') out.add(x[k]);
    if (x.CheckFunction === 'CheckModelRule') absentColumns(x.ModelRuleId, out);
    Object.values(x).forEach(walk);
  })(model.ModelRules[ruleId].ValidationCriteria);
  return out;
}

const tally = { pass: 0, fail: 0, deviation: 0, notApplicable: 0, notCheckable: 0, permissions: 0, withinOthers: 0 };
const checked = [];
for (const ruleId of Object.keys(model.ModelRules).sort()) {
  const r = ruleSql(ruleId);
  if (r.permission) { tally.permissions++; continue; }
  if (!alone(ruleId)) { tally.withinOthers++; continue; }
  if (!r.checkable) { tally.notCheckable++; continue; }
  if (!r.applicable) {
    tally.notApplicable++;
    if (report) {
      const rule = model.ModelRules[ruleId];
      const missing = (rule.ApplicabilityCriteria ?? []).filter((c) => !supported.has(c));
      console.log(`NOT-APPLICABLE ${ruleId} ${rule.Reference}: ${missing.length ? missing.join(' ')
        : absentColumns(ruleId).size ? `no ${[...absentColumns(ruleId)].join(', ')} column`
        : 'made only of prose rules'}`);
    }
    continue;
  }
  checked.push(ruleId);
}
// The rows breaking each rule, all rules in one pass over the table.
const [broken] = checked.length === 0 ? [{}] : await rows(`SELECT ${checked.map((ruleId, i) =>
  `count(*) FILTER (WHERE NOT coalesce(${ruleSql(ruleId).sql}, FALSE))::INTEGER AS r${i}`).join(',\n')} FROM raw`);
for (const [i, ruleId] of checked.entries()) {
  const rule = model.ModelRules[ruleId];
  const n = broken[`r${i}`];
  if (n === 0) {
    tally.pass++;
    if (ruleId in deviations) fail(`${ruleId} passes: remove it from data/focus-deviations.json`);
    if (report) console.log(`PASS ${ruleId}`);
  } else if (ruleId in deviations) {
    tally.deviation++;
    if (report) console.log(`DEVIATION ${ruleId} (${n} rows): ${deviations[ruleId]}`);
  } else {
    tally.fail++;
    fail(`${ruleId} fails on ${n} of ${rowCount} rows: ${rule.ValidationCriteria.MustSatisfy}`);
  }
}

// ---- 3. The validator's Dynamic rules (prose only in its model) that our columns can be
// checked for, each as a query of the rows that break it.
const focusColumns = new Set(Object.values(model.ModelRules).filter((r) => r.EntityType === 'Column').map((r) => r.Reference));
const dynamic = {
  'ColumnHandling-A-010-M': [...columns].filter((c) => !focusColumns.has(c) && !c.startsWith('x_'))
    .map((c) => `${c} is neither a FOCUS 1.2 column nor x_-prefixed`),
  // One ListUnitPrice (and PricingUnit) per SkuPriceId: a SkuPriceId names one price.
  'SkuPriceId-C-014-C': `SELECT SkuPriceId FROM raw WHERE SkuPriceId IS NOT NULL GROUP BY 1 HAVING count(DISTINCT ListUnitPrice) > 1`,
  'PricingUnit-C-008-M': `SELECT SkuPriceId FROM raw WHERE SkuPriceId IS NOT NULL GROUP BY 1 HAVING count(DISTINCT PricingUnit) > 1`,
  'SkuMeter-C-006-O': `SELECT SkuId FROM raw WHERE SkuId IS NOT NULL GROUP BY 1 HAVING count(DISTINCT SkuMeter) > 1`,
  // The billing period is the calendar month; the charge period lies inside it, start before end.
  'BillingPeriodStart-C-004-M': `SELECT * FROM typed WHERE BillingPeriodStart <> date_trunc('month', ChargePeriodStart AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    OR ChargePeriodStart < BillingPeriodStart`,
  'BillingPeriodEnd-C-004-M': `SELECT * FROM typed WHERE BillingPeriodEnd <> BillingPeriodStart + INTERVAL 1 MONTH OR ChargePeriodEnd > BillingPeriodEnd`,
  'ChargePeriodStart-C-004-M': `SELECT * FROM typed WHERE ChargePeriodStart >= ChargePeriodEnd`,
  'ChargePeriodEnd-C-004-M': `SELECT * FROM typed WHERE ChargePeriodEnd - ChargePeriodStart NOT IN (INTERVAL 1 HOUR, INTERVAL 1 DAY)`,
  // Exact decimals: ContractedUnitPrice x PricingQuantity = ContractedCost.
  'ContractedCost-C-009-C': `SELECT * FROM raw WHERE ContractedUnitPrice IS NOT NULL AND
    CAST(ContractedUnitPrice AS DECIMAL(38,18)) * CAST(PricingQuantity AS DECIMAL(38,18)) <> CAST(ContractedCost AS DECIMAL(38,18))`,
  // An invoice is one billing account's, for one billing period.
  'InvoiceId-C-007-C': `SELECT InvoiceId FROM raw GROUP BY 1 HAVING count(DISTINCT BillingAccountId) > 1 OR count(DISTINCT BillingPeriodStart) > 1
    OR InvoiceId IS NULL`,
  'ChargeClass-C-003-C': `SELECT * FROM raw WHERE ChargeClass IS NOT NULL`,
  // Every charge is a customer's: a sub account's.
  'SubAccountId-C-005-C': `SELECT * FROM raw WHERE SubAccountId IS NULL`,
};
for (const [ruleId, q] of Object.entries(dynamic)) {
  let broken;
  try {
    broken = Array.isArray(q) ? q : (await rows(q)).map((r) => JSON.stringify(r));
  } catch (e) {
    broken = [e.message.split('\n')[0]];  // a column it needs is missing
  }
  if (broken.length === 0) {
    tally.pass++;
    if (report) console.log(`PASS ${ruleId}`);
  } else {
    tally.fail++;
    fail(`${ruleId}: ${broken.length} breaking it, e.g. ${broken[0]}`);
  }
}

console.log(`${file}: ${rowCount} rows; validator rules: ${tally.pass} pass, ${tally.fail} fail, ` +
  `${tally.deviation} documented deviations, ${tally.notApplicable} not applicable, ` +
  `${tally.notCheckable} not machine-checkable, ${tally.permissions} permissions (MAY), ` +
  `${tally.withinOthers} alternatives checked within their rule`);
for (const f of failures) console.log(`FAIL ${f}`);
process.exit(failures.length === 0 ? 0 : 1);
