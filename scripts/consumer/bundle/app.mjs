// Bundled by esbuild into one file (check-consumer.mjs), then run from a folder with no
// node_modules: a Fetch handler and a node:http listener answer a valid recall, explain an invalid
// body (Joi, loaded late) and read a body that arrives after its headers (raw-body, loaded late).
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
// Not `createRequire` by name: the banner declares that name.
import * as nodeModule from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRecallHandler } from 'tencent-chat-recall-webhook/fetch';
import { createRecallListener } from 'tencent-chat-recall-webhook/node';
import { createCallbackQuery, createRecallEvent } from 'tencent-chat-recall-webhook/testing';

for (const name of ['debug', 'joi', 'raw-body']) {
  assert.throws(() => nodeModule.createRequire(import.meta.url).resolve(name), /Cannot find module/);
}

const OK = { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
const INVALID = { ActionStatus: 'FAIL', ErrorInfo: 'invalid body: GroupId must be a string', ErrorCode: 1 };
const sdkAppId = 1400000000;
const path = `/callback?${new URLSearchParams(createCallbackQuery(sdkAppId))}`;
const body = JSON.stringify(createRecallEvent());
const invalidBody = JSON.stringify(createRecallEvent({ GroupId: 5 }));
const recalls = [];
const log = { warn() {}, error() {} };
const options = { sdkAppId, onRecall: (event) => recalls.push(event), log };

const handler = createRecallHandler(options);
const post = (text) => handler(new Request(`https://example.com${path}`, { method: 'POST', body: text }));
assert.deepEqual(await (await post(body)).json(), OK);
assert.deepEqual(await (await post(invalidBody)).json(), INVALID);

/** Sends the body in two writes, the second after the listener has had the headers. */
function sendInPieces(port, text) {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) };
    const sent = request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (response) => {
      let answer = '';
      response.setEncoding('utf8').on('data', (chunk) => (answer += chunk));
      response.on('end', () => resolve(JSON.parse(answer)));
    });
    sent.on('error', reject);
    sent.write(text.slice(0, 10));
    sleep(50).then(() => sent.end(text.slice(10)), reject);
  });
}

const server = createServer(createRecallListener(options));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
try {
  const { port } = server.address();
  assert.deepEqual(await sendInPieces(port, body), OK);
  assert.deepEqual(await sendInPieces(port, invalidBody), INVALID);
} finally {
  server.close();
}
assert.equal(recalls.length, 2);
console.log(
  'bundled: the Fetch handler and the node:http listener answered OK, explained an invalid body and read a body in pieces, without node_modules',
);
