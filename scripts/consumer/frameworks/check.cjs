// Runs in a folder where only one framework is installed: `node check.cjs <subpath> <absent…>`.
// The subpath loads from CommonJS and from an ES module with the same names, the main entry
// loads too, the other frameworks are not there, and what consumer.ts built answers a signed
// group recall and a one-to-one recall over 127.0.0.1.
const assert = require('node:assert/strict');
const { C2C_RECALL_COMMAND } = require('tencent-chat-recall-webhook');
const { createC2CRecallEvent, createCallbackQuery, createRecallEvent } = require('tencent-chat-recall-webhook/testing');

const [subpath, ...absent] = process.argv.slice(2);

async function main() {
  for (const name of absent) assert.throws(() => require.resolve(`${name}/package.json`), /Cannot find module/);
  const specifier = `tencent-chat-recall-webhook/${subpath}`;
  assert.match(require.resolve(specifier), new RegExp(`dist[\\\\/]${subpath}\\.js$`));
  const required = require(specifier);
  const imported = await import(specifier);
  assert.deepEqual(Object.keys(imported).sort(), Object.keys(required).sort());

  const { start } = require('./out/consumer.js');
  const recalled = [];
  const server = await start((what) => recalled.push(what));
  try {
    for (const [command, body] of [
      [undefined, createRecallEvent({ GroupId: 'g-alone' })],
      [C2C_RECALL_COMMAND, createC2CRecallEvent({ MsgKey: 'k-alone' })],
    ]) {
      const query = new URLSearchParams(createCallbackQuery(1400000000, { callbackCommand: command }));
      const answer = await fetch(`http://127.0.0.1:${server.port}/tencent-chat/callback?${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(await answer.json(), { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
    }
  } finally {
    await server.close();
  }
  assert.deepEqual(recalled, ['g-alone', 'k-alone']);
  console.log(`${specifier}: require() and import agree; a group and a one-to-one recall answered OK`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
