const assert = require('node:assert/strict');
const lib = require('tencent-chat-recall-webhook');
const testing = require('tencent-chat-recall-webhook/testing');
const {
  BULLMQ_ENTRY,
  SUBPATHS,
  checkBullmqExports,
  checkExports,
  checkExpress,
  checkFetchHandler,
} = require('./exercise.cjs');

/** Modules loaded so far from the installed bullmq package. */
const bullmqModulesLoaded = () =>
  Object.keys(require.cache).filter((path) => /[\\/]node_modules[\\/]bullmq[\\/]/.test(path));

async function main() {
  for (const { specifier, name } of SUBPATHS) {
    assert.match(require.resolve(specifier), new RegExp(`dist[\\\\/]${name}\\.js$`), specifier);
  }
  checkExports(lib, testing);
  await checkExpress(require('express'), lib, testing);
  await checkExpress(require('express4'), lib, testing);
  await checkFetchHandler(lib, testing);
  for (const { specifier, name } of SUBPATHS) if (name !== BULLMQ_ENTRY) require(specifier);
  // bullmq is installed here, yet no other entry loaded it.
  assert.deepEqual(bullmqModulesLoaded(), [], 'an entry other than /bullmq loaded bullmq');
  checkBullmqExports(require(SUBPATHS.find(({ name }) => name === BULLMQ_ENTRY).specifier));
  assert.notDeepEqual(bullmqModulesLoaded(), [], 'the bullmq entry did not load bullmq');
  console.log(
    `require(): ${SUBPATHS.length} entry points, Express 5 and 4 apps, Fetch handler; bullmq loaded only by /bullmq`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
