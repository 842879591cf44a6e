// node cloudevents.mjs HOST: every event of a run through the CloudEvents SDK (npm
// `cloudevents`), as a receiver reads it: each line as a structured-mode HTTP request
// (application/cloudevents+json), and the lines gathered into one batch-mode request
// (application/cloudevents-batch+json); each event validated (specversion, id, source,
// type, time as RFC 3339, extension names) and equal to the line it came from. Both
// schemas, the default type and a given one, and shards, whose events must be the whole
// run's.
import { HTTP, CloudEvent } from 'cloudevents';
import { join } from 'node:path';
import { expect, finish, run, tempDir } from './common.mjs';

const dir = tempDir();
let events = 0;
for (const schema of ['seed', 'extended']) {
  for (const type of [null, 'com.example.llm.call.v1']) {
    const args = ['--format', 'cloudevents', '--days', '2', '--scale', '0.1', '--schema', schema];
    if (type) args.push('--event-type', type);
    const lines = run(join(dir, `${schema}.jsonl`), args).split('\n').filter((l) => l !== '');
    expect(lines.length > 0, `${schema}: no events`);
    for (const line of lines) {
      const got = HTTP.toEvent({ headers: { 'content-type': 'application/cloudevents+json' }, body: line });
      expect(got instanceof CloudEvent && got.validate(), `${schema}: not a valid event: ${line}`);
      const sent = JSON.parse(line);
      expect(JSON.stringify(got.data) === JSON.stringify(sent.data), `${schema}: data changed: ${line}`);
      expect(got.type === (type ?? 'org.trafficsim.llm.call.v1'), `${schema}: type ${got.type}`);
      // The type SHOULD be prefixed with a reverse-DNS name: at least two dot-separated labels first.
      expect(/^[a-z0-9-]+(\.[a-z0-9-]+)+\./.test(got.type), `type ${got.type} has no reverse-DNS prefix`);
      events++;
    }
    const batch = HTTP.toEvent({
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: `[${lines.join(',')}]`,
    });
    expect(Array.isArray(batch) && batch.length === lines.length, `${schema}: the batch has not every event`);
    for (const e of batch) expect(e.validate(), `${schema}: a batch event is not valid`);
    expect(new Set(batch.map((e) => `${e.source} ${e.id}`)).size === batch.length, `${schema}: source + id not unique`);
  }
}
// Shards: each a valid batch, together the whole run.
const whole = run(join(dir, 'whole.jsonl'), ['--format', 'cloudevents', '--days', '2', '--scale', '0.1']);
let joined = '';
for (const shard of ['0/2', '1/2']) {
  const text = run(join(dir, `shard${shard[0]}.jsonl`),
    ['--format', 'cloudevents', '--days', '2', '--scale', '0.1', '--shard', shard]);
  const lines = text.split('\n').filter((l) => l !== '');
  const batch = HTTP.toEvent({ headers: { 'content-type': 'application/cloudevents-batch+json' }, body: `[${lines.join(',')}]` });
  expect(batch.every((e) => e.validate()), `shard ${shard}: an invalid event`);
  joined += text;
}
expect(joined === whole, 'the shards are not the whole run');
finish(`cloudevents: ${events} events read and validated by the CloudEvents SDK`);
