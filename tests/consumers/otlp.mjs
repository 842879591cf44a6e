// node otlp.mjs HOST: every line of --format otlp-json decoded as an OTLP
// ExportTraceServiceRequest (the body of OTLP/HTTP's JSON encoding; TracesData has the
// same fields) by protobufjs with the OTLP .proto files the OpenTelemetry JS exporter
// ships (@opentelemetry/otlp-grpc-exporter-base 0.38.0, build/protos):
// - the protobuf JSON mapping strictly: every key a field of its message by its JSON
//   name (unknown fields rejected), every value of its field's type (64-bit integers as
//   decimal strings, enums as integers), traceId and spanId as hex (the OTLP exception to
//   base64 bytes);
// - then protobufjs's fromObject and a binary encode/decode round trip, which
//   must give back the same span;
// - every gen_ai.* attribute a name of the GenAI registry (the attribute names of
//   @opentelemetry/semantic-conventions 1.45.0's incubating entry, ATTR_GEN_AI_*), none
//   deprecated, with its registry type; gen_ai.request.stream only when true.
// Both schemas, and shards, whose lines must be the whole run's.
import protobuf from 'protobufjs';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, finish, run, tempDir } from './common.mjs';

const require = createRequire(import.meta.url);
const protos = join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build/protos');
const root = new protobuf.Root();
root.resolvePath = (origin, target) => join(protos, target);
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
root.resolveAll();
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

// The registry: gen_ai.* attribute names, and the deprecated ones (their replacements exist).
const registry = new Set(Object.entries(semconv).filter(([k]) => k.startsWith('ATTR_GEN_AI_')).map(([, v]) => v));
const deprecated = new Set(['gen_ai.system', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens',
  'gen_ai.prompt', 'gen_ai.completion']);
const registryTypes = {
  'gen_ai.request.stream': 'boolValue', 'gen_ai.response.time_to_first_chunk': 'doubleValue',
  'gen_ai.usage.input_tokens': 'intValue', 'gen_ai.usage.output_tokens': 'intValue',
  'gen_ai.usage.cache_read.input_tokens': 'intValue', 'gen_ai.usage.cache_creation.input_tokens': 'intValue',
  'gen_ai.usage.reasoning.output_tokens': 'intValue',
};
expect(registry.has('gen_ai.response.time_to_first_chunk') && registry.size > 40, 'the registry list is not loaded');

const hexBytes = { traceId: 32, spanId: 16, parentSpanId: 16 };

// Strict proto3 JSON: returns problems; converts hex ids to bytes in place for fromObject.
function strict(type, obj, path, problems) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    problems.push(`${path}: not an object`);
    return;
  }
  const byJson = new Map(type.fieldsArray.map((f) => [f.name, f]));  // keepCase false: lowerCamelCase
  for (const [key, value] of Object.entries(obj)) {
    const f = byJson.get(key);
    if (!f) {
      problems.push(`${path}.${key}: not a field of ${type.fullName}`);
      continue;
    }
    const values = f.repeated ? value : [value];
    if (f.repeated && !Array.isArray(value)) problems.push(`${path}.${key}: not an array`);
    for (const [i, v] of (Array.isArray(values) ? values : []).entries()) {
      const at = f.repeated ? `${path}.${key}[${i}]` : `${path}.${key}`;
      f.resolve();
      if (f.resolvedType instanceof protobuf.Type) strict(f.resolvedType, v, at, problems);
      else if (f.resolvedType instanceof protobuf.Enum) {
        if (!Number.isInteger(v) || !Object.values(f.resolvedType.values).includes(v)) problems.push(`${at}: enum ${v}`);
      } else if (f.type === 'bytes') {
        if (!(key in hexBytes) || typeof v !== 'string' || !new RegExp(`^[0-9a-f]{${hexBytes[key]}}$`).test(v))
          problems.push(`${at}: not ${hexBytes[key]} hex digits`);
        else if (!f.repeated) obj[key] = Buffer.from(v, 'hex');
      } else if (['int64', 'uint64', 'fixed64', 'sfixed64', 'sint64'].includes(f.type)) {
        if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) problems.push(`${at}: a 64-bit integer not as a decimal string`);
      } else if (['int32', 'uint32', 'fixed32', 'sint32', 'sfixed32'].includes(f.type)) {
        if (!Number.isInteger(v)) problems.push(`${at}: not an integer`);
      } else if (f.type === 'string') {
        if (typeof v !== 'string') problems.push(`${at}: not a string`);
      } else if (f.type === 'bool') {
        if (typeof v !== 'boolean') problems.push(`${at}: not a boolean`);
      } else if (f.type === 'double' || f.type === 'float') {
        if (typeof v !== 'number') problems.push(`${at}: not a number`);
      }
    }
  }
}

const dir = tempDir();
let spans = 0;
const seen = new Set();
function checkLines(text, label) {
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const obj = JSON.parse(line);
    const problems = [];
    strict(Request, obj, label, problems);
    expect(problems.length === 0, `${problems.join('; ')}: ${line}`);
    const message = Request.fromObject(obj);
    const back = Request.toObject(Request.decode(Request.encode(message).finish()), { longs: String, enums: Number, bytes: String });
    const span = back.resourceSpans[0].scopeSpans[0].spans[0];
    const sent = JSON.parse(line).resourceSpans[0].scopeSpans[0].spans[0];
    expect(Buffer.from(span.traceId, 'base64').toString('hex') === sent.traceId, `${label}: traceId changed`);
    expect(span.attributes.length === sent.attributes.length && span.startTimeUnixNano === sent.startTimeUnixNano,
      `${label}: the span changed in the round trip`);
    for (const a of sent.attributes) {
      seen.add(a.key);
      if (!a.key.startsWith('gen_ai.')) continue;
      expect(registry.has(a.key), `${a.key} is not in the GenAI registry`);
      expect(!deprecated.has(a.key), `${a.key} is deprecated`);
      const type = registryTypes[a.key];
      if (type) expect(Object.keys(a.value)[0] === type, `${a.key} is ${Object.keys(a.value)[0]}, not ${type}`);
      if (a.key === 'gen_ai.request.stream') expect(a.value.boolValue === true, 'gen_ai.request.stream set but false');
    }
    spans++;
  }
}
for (const schema of ['seed', 'extended'])
  checkLines(run(join(dir, `${schema}.jsonl`), ['--format', 'otlp-json', '--days', '2', '--scale', '0.1', '--schema', schema]), schema);
for (const name of ['gen_ai.response.time_to_first_chunk', 'gen_ai.request.stream', 'http.request.resend_count'])
  expect(seen.has(name), `no span has ${name}`);
const whole = run(join(dir, 'whole.jsonl'), ['--format', 'otlp-json', '--days', '2', '--scale', '0.1']);
let joined = '';
for (const shard of ['0/2', '1/2']) {
  const text = run(join(dir, `shard${shard[0]}.jsonl`), ['--format', 'otlp-json', '--days', '2', '--scale', '0.1', '--shard', shard]);
  checkLines(text, `shard ${shard}`);
  joined += text;
}
expect(joined === whole, 'the shards are not the whole run');
finish(`otlp: ${spans} lines decoded as ExportTraceServiceRequest; attributes seen: ${[...seen].sort().join(' ')}`);
