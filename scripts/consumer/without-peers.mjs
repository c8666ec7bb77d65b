// Runs in a consumer where none of the optional peer dependencies is installed:
// the main, testing and reconcile entries load and work in both formats without bullmq, and the /bullmq
// entry fails for want of bullmq, as a missing peer dependency should.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import shared from './exercise.cjs';

const require = createRequire(import.meta.url);
const missingBullmq = (error) => /^(ERR_)?MODULE_NOT_FOUND$/.test(error.code) && /'bullmq'/.test(error.message);

assert.throws(() => require.resolve('bullmq'), { code: 'MODULE_NOT_FOUND' }, 'bullmq must not be installed here');

for (const { specifier, name } of shared.SUBPATHS) {
  if (name === shared.BULLMQ_ENTRY) {
    assert.throws(() => require(specifier), missingBullmq);
    await assert.rejects(import(specifier), missingBullmq);
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
console.log('without bullmq: every other entry loads (require and import) and works; /bullmq fails for want of bullmq');
