// Bundled by esbuild into one file (check-consumer.mjs), then run from a folder with no
// node_modules: a Fetch handler and a node:http listener each answer a valid recall.
import assert from 'node:assert/strict';
// Not `createRequire` by name: the banner declares that name.
import * as nodeModule from 'node:module';
import { createServer } from 'node:http';
import { createRecallHandler } from 'tencent-chat-recall-webhook/fetch';
import { createRecallListener } from 'tencent-chat-recall-webhook/node';
import { createCallbackQuery, createRecallEvent } from 'tencent-chat-recall-webhook/testing';

assert.throws(() => nodeModule.createRequire(import.meta.url).resolve('debug'), /Cannot find module/);

const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
const sdkAppId = 1400000000;
const query = new URLSearchParams(createCallbackQuery(sdkAppId));
const body = JSON.stringify(createRecallEvent());
const recalls = [];
const onRecall = (event) => recalls.push(event);

const handler = createRecallHandler({ sdkAppId, onRecall });
const answered = await handler(new Request(`https://example.com/callback?${query}`, { method: 'POST', body }));
assert.deepEqual(await answered.json(), OK);

const server = createServer(createRecallListener({ sdkAppId, onRecall }));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
try {
  const listened = await fetch(`http://127.0.0.1:${server.address().port}/callback?${query}`, { method: 'POST', body });
  assert.deepEqual(await listened.json(), OK);
} finally {
  server.close();
}
assert.equal(recalls.length, 2);
console.log('bundled: the Fetch handler and the node:http listener answered OK without node_modules');
