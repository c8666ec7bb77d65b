// One cold start of the node:http listener (COLD_ENTRY): import, create the listener, answer one
// signed recall sent over loopback.
const { createServer } = require('node:http');
const { sendRecallOnce } = require('./send-recall.cjs');
const { createRecallListener } = require(process.env.COLD_ENTRY);

const listener = createRecallListener({
  sdkAppId: process.env.COLD_SDK_APP_ID,
  token: process.env.COLD_TOKEN,
  onRecall() {},
});
const server = createServer(listener).listen(0, '127.0.0.1', () => sendRecallOnce(server));
