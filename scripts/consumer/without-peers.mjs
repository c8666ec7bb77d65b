// Runs in a consumer where none of the optional peer dependencies is installed:
// the main, testing and reconcile entries load and work in both formats without bullmq, and the /bullmq
// entry fails for want of bullmq, as a missing peer dependency should.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import shared from './exercise.cjs';

const require = createRequire(import.meta.url);
const missingBullmq = (error) => /^(ERR_)?MODULE_NOT_FOUND$/.test(error.code) && /'bullmq'/.test(error.message);

assert.throws(() => require.resolve('bullmq'), { code: 'MODULE_NOT_FOUND' }, 'bullmq must not be installed here');

const lib = require('tencent-chat-recall-webhook');
const testing = require('tencent-chat-recall-webhook/testing');
shared.checkExports(lib, testing);
await shared.checkFetchHandler(lib, testing);
await shared.checkReconcile(require('tencent-chat-recall-webhook/reconcile'), testing);
assert.throws(() => require('tencent-chat-recall-webhook/bullmq'), missingBullmq);

const esm = await import('tencent-chat-recall-webhook');
const esmTesting = await import('tencent-chat-recall-webhook/testing');
shared.checkExports(esm, esmTesting);
await shared.checkFetchHandler(esm, esmTesting);
await shared.checkReconcile(await import('tencent-chat-recall-webhook/reconcile'), esmTesting);
await assert.rejects(import('tencent-chat-recall-webhook/bullmq'), missingBullmq);
console.log(
  'without bullmq: main, testing and reconcile entries work (require and import); /bullmq fails for want of bullmq',
);
