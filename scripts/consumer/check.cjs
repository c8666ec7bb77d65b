const assert = require('node:assert/strict');
const lib = require('tencent-chat-recall-webhook');
const testing = require('tencent-chat-recall-webhook/testing');
const {
  checkBullmqExports,
  checkExports,
  checkExpress,
  checkFetchHandler,
  checkOpenTelemetryExports,
} = require('./exercise.cjs');

/** Modules loaded so far from the installed bullmq package. */
const bullmqModulesLoaded = () =>
  Object.keys(require.cache).filter((path) => /[\\/]node_modules[\\/]bullmq[\\/]/.test(path));
/** Modules loaded so far from the installed @opentelemetry/api package. */
const openTelemetryModulesLoaded = () =>
  Object.keys(require.cache).filter((path) => /[\\/]node_modules[\\/]@opentelemetry[\\/]api[\\/]/.test(path));

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
  assert.deepEqual(bullmqModulesLoaded(), [], 'an entry other than /bullmq loaded bullmq');
  assert.deepEqual(openTelemetryModulesLoaded(), [], 'the main or testing entry loaded @opentelemetry/api');
  checkBullmqExports(require('tencent-chat-recall-webhook/bullmq'));
  assert.notDeepEqual(bullmqModulesLoaded(), [], 'the bullmq entry did not load bullmq');
  checkOpenTelemetryExports(require('tencent-chat-recall-webhook/opentelemetry'));
  assert.notDeepEqual(openTelemetryModulesLoaded(), [], 'the opentelemetry entry did not load @opentelemetry/api');
  console.log(
    'require(): main, testing, bullmq and opentelemetry entries, Express 5 and 4 apps, Fetch handler; bullmq loaded only by /bullmq',
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
