const assert = require('node:assert/strict');
const lib = require('tencent-chat-recall-webhook');
const testing = require('tencent-chat-recall-webhook/testing');
const { checkExports, checkExpress, checkFetchHandler } = require('./exercise.cjs');

async function main() {
  assert.match(require.resolve('tencent-chat-recall-webhook'), /dist[\\/]index\.js$/);
  assert.match(require.resolve('tencent-chat-recall-webhook/testing'), /dist[\\/]testing\.js$/);
  checkExports(lib, testing);
  await checkExpress(require('express'), lib, testing);
  await checkExpress(require('express4'), lib, testing);
  await checkFetchHandler(lib, testing);
  console.log('require(): both subpaths, Express 5 and 4 apps, Fetch handler');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
