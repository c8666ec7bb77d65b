// Runs in a consumer where none of the optional peer dependencies is installed:
// every entry but the framework ones loads and works in both formats, and /bullmq and
// /opentelemetry fail for want of their peer dependency, as a missing peer dependency should.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import shared from './exercise.cjs';

const require = createRequire(import.meta.url);
const missingBullmq = (error) => /^(ERR_)?MODULE_NOT_FOUND$/.test(error.code) && /'bullmq'/.test(error.message);
const missingApi = (error) =>
  /^(ERR_)?MODULE_NOT_FOUND$/.test(error.code) && /'@opentelemetry\/api'/.test(error.message);

assert.throws(() => require.resolve('bullmq'), { code: 'MODULE_NOT_FOUND' }, 'bullmq must not be installed here');

/** The entries that need an optional peer dependency, and how their absence shows. */
const missingPeer = { [shared.BULLMQ_ENTRY]: missingBullmq, opentelemetry: missingApi };
for (const { specifier, name } of shared.SUBPATHS) {
  if (Object.hasOwn(missingPeer, name)) {
    assert.throws(() => require(specifier), missingPeer[name]);
    await assert.rejects(import(specifier), missingPeer[name]);
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
