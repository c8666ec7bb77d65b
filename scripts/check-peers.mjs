// npm run check:peers: compares each peer dependency's range with the latest version on the
// registry (`npm view <name> version`) and says which ranges leave the latest major out. It only
// warns: it exits 0 whatever it finds, and says so when the registry cannot be reached, so CI
// runs it without depending on the network.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { peerDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const TIMEOUT_MS = 20_000;

async function latestVersion(name) {
  const { stdout } = await promisify(execFile)('npm', ['view', name, 'version', '--json'], {
    timeout: TIMEOUT_MS,
    encoding: 'utf8',
  });
  return JSON.parse(stdout);
}

const results = await Promise.all(
  Object.entries(peerDependencies).map(async ([name, range]) => {
    try {
      const latest = await latestVersion(name);
      return { name, range, latest, covered: semver.satisfies(latest, range) };
    } catch (error) {
      return { name, range, error: error.killed ? `no answer within ${TIMEOUT_MS / 1000} s` : error.message.trim() };
    }
  }),
);

let behind = 0;
for (const { name, range, latest, covered, error } of results) {
  if (error) {
    console.warn(`warn ${name}: the registry could not be asked (${error.split('\n')[0]})`);
  } else if (covered) {
    console.log(`ok   ${name}: ${range} covers the latest, ${latest}`);
  } else {
    behind++;
    console.warn(`warn ${name}: ${range} leaves out the latest, ${latest}: test it and widen the range`);
  }
}
const unasked = results.filter((result) => result.error).length;
console.log(
  `${results.length} peer dependencies: ${behind} behind the registry` +
    (unasked > 0 ? `, ${unasked} not checked (no registry)` : ''),
);
