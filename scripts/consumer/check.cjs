const assert = require('node:assert/strict');
const lib = require('tencent-chat-recall-webhook');
const testing = require('tencent-chat-recall-webhook/testing');
const { checkBullmqExports, checkExports, checkExpress, checkFetchHandler, checkReconcile } = require('./exercise.cjs');

/** Modules loaded so far from the installed package `name`. */
const modulesLoaded = (name) =>
  Object.keys(require.cache).filter((path) => new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`).test(path));

async function main() {
  assert.match(require.resolve('tencent-chat-recall-webhook'), /dist[\\/]index\.js$/);
  assert.match(require.resolve('tencent-chat-recall-webhook/testing'), /dist[\\/]testing\.js$/);
  assert.match(require.resolve('tencent-chat-recall-webhook/bullmq'), /dist[\\/]bullmq\.js$/);
  checkExports(lib, testing);
  await checkExpress(require('express'), lib, testing);
  await checkExpress(require('express4'), lib, testing);
  await checkFetchHandler(lib, testing);
  require('tencent-chat-recall-webhook/node');
  require('tencent-chat-recall-webhook/fetch');
  // bullmq is installed here, yet no other entry (the main and testing ones used in full above) loaded it.
  assert.deepEqual(modulesLoaded('bullmq'), [], 'an entry other than /bullmq loaded bullmq');
  checkBullmqExports(require('tencent-chat-recall-webhook/bullmq'));
  assert.notDeepEqual(modulesLoaded('bullmq'), [], 'the bullmq entry did not load bullmq');
  // The UserSig signer, a dependency, is loaded by the reconcile entry only.
  assert.deepEqual(modulesLoaded('tls-sig-api-v2'), [], 'an entry other than /reconcile loaded tls-sig-api-v2');
  assert.match(require.resolve('tencent-chat-recall-webhook/reconcile'), /dist[\\/]reconcile\.js$/);
  await checkReconcile(require('tencent-chat-recall-webhook/reconcile'), testing);
  assert.notDeepEqual(modulesLoaded('tls-sig-api-v2'), [], 'the reconcile entry did not load tls-sig-api-v2');
  console.log(
    'require(): main, testing, bullmq and reconcile entries, Express 5 and 4 apps, Fetch handler, fake Chat server; bullmq and tls-sig-api-v2 loaded only by their entries',
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
