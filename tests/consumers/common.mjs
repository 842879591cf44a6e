// What the consumer tests share: running the real host into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/// The host executable: the first argument of every consumer test (ctest passes it).
export const host = process.argv[2];
if (!host) {
  console.error('usage: node <test>.mjs TRAFFICSIM-HOST');
  process.exit(2);
}

/// A temporary directory, removed when the process exits.
export function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'trafficsim-consumers-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/// Runs the host with `args` writing to `file`; returns the file's text.
export function run(file, args) {
  execFileSync(host, [...args, '-q', '-o', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return readFileSync(file, 'utf8');
}

/// The result of one check; the process fails if any failed.
let failures = 0;
export function expect(ok, what) {
  if (!ok) {
    if (++failures <= 20) console.log(`FAIL ${what}`);
  }
  return ok;
}
export function finish(summary) {
  console.log(summary);
  console.log(failures === 0 ? 'OK' : `${failures} failures`);
  process.exit(failures === 0 ? 0 : 1);
}
