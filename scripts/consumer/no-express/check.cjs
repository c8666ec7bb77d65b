// Runs what consumer.ts built, with neither express nor @types/express installed: one recall
// through the listener on 127.0.0.1 and one through the Fetch handler.
const assert = require('node:assert/strict');
const { createCallbackQuery, createRecallEvent } = require('tencent-chat-recall-webhook/testing');
const { server, handler } = require('./out/consumer.js');

async function main() {
  for (const name of ['express', '@types/express']) {
    assert.throws(() => require.resolve(`${name}/package.json`), /Cannot find module/);
  }
  const query = new URLSearchParams(createCallbackQuery(1400000000));
  const body = JSON.stringify(createRecallEvent());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/callback?${query}`;
    const listened = await fetch(url, { method: 'POST', body });
    assert.deepEqual(await listened.json(), { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
  } finally {
    server.close();
  }
  const fetched = await handler(new Request(`https://example.com/callback?${query}`, { method: 'POST', body }));
  assert.equal(fetched.status, 200);
  console.log('no Express installed: node:http listener and Fetch handler answered OK');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
