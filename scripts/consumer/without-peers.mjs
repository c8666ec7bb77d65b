// Runs in a consumer where none of the optional peer dependencies is installed:
// every entry but the framework ones loads and works in both formats, and /bullmq and
// /opentelemetry fail for want of their peer dependency, as a missing peer dependency should.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import shared from './exercise.cjs';

const require = createRequire(import.meta.url);
/** An error saying that `peer` is not installed. */
const missing = (peer) => (error) =>
  /^(ERR_)?MODULE_NOT_FOUND$/.test(error.code) && error.message.includes(`'${peer}'`);

assert.throws(() => require.resolve('bullmq'), { code: 'MODULE_NOT_FOUND' }, 'bullmq must not be installed here');

/** The entries that need an optional peer dependency, and the peer. */
const peerOf = { [shared.BULLMQ_ENTRY]: 'bullmq', opentelemetry: '@opentelemetry/api' };
for (const { specifier, name } of shared.SUBPATHS) {
  if (Object.hasOwn(peerOf, name)) {
    assert.throws(() => require(specifier), missing(peerOf[name]));
    // In its own process: a caught import() rejects, and the process goes on (Node 20 used to throw
    // a CommonJS module's load error under import() again as uncaught).
    const caught = `try { await import('${specifier}'); } catch (error) { console.log(error.message.split('\\n')[0]); }`;
    const imported = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `${caught} setTimeout(() => console.log('went on'), 20);`],
      { encoding: 'utf8' },
    );
    assert.equal(imported.status, 0, `import('${specifier}') without ${peerOf[name]}: ${imported.stderr}`);
    assert.equal(imported.stdout, `Cannot find module '${peerOf[name]}'\nwent on\n`, imported.stderr);
  } else {
    require(specifier);
    await import(specifier);
  }
}

const lib = require('tencent-chat-recall-webhook');
const testing = require('tencent-chat-recall-webhook/testing');
shared.checkExports(lib, testing);
await shared.checkFetchHandler(lib, testing);
await shared.checkReconcile(require('tencent-chat-recall-webhook/reconcile'), testing);

const esm = await import('tencent-chat-recall-webhook');
const esmTesting = await import('tencent-chat-recall-webhook/testing');
shared.checkExports(esm, esmTesting);
await shared.checkFetchHandler(esm, esmTesting);
await shared.checkReconcile(await import('tencent-chat-recall-webhook/reconcile'), esmTesting);
console.log(
  'without optional peers: every other entry loads (require and import) and works; /bullmq and /opentelemetry fail for want of their peers',
);
